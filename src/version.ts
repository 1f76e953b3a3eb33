/** The version of mcpx, as published. */
export const VERSION: string = "0.1.0";
