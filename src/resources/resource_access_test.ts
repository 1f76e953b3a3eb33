import assert from "node:assert/strict";
import { Bridge } from "../bridge/bridge.ts";
import { everythingServer } from "../../tests/_servers.ts";
import { GUEST_MCP_SERVER } from "./resource_access.ts";

// server-everything over stdio: real resources, templates and prompts.
Deno.test("guest resource and prompt requests through the bridge, with rules", async (t) => {
  await using bridge = new Bridge({
    servers: [everythingServer()],
    policy: {
      resources: { deny: ["everything/demo://resource/dynamic/blob/*"] },
      prompts: { allow: ["everything/simple-prompt", "everything/args-prompt"] },
    },
  });
  const req = (op: string, args: unknown) => bridge.callTool(GUEST_MCP_SERVER, op, args);

  await t.step("resources/list and templates, without denied ones", async () => {
    const r = await req("resources/list", { server: "everything" });
    assert.ok(r.ok, JSON.stringify(r));
    const uris = (r.value as { uri: string }[]).map((x) => x.uri);
    assert.ok(uris.length > 0);
    assert.ok(uris.every((u) => !u.startsWith("demo://resource/dynamic/blob/")), uris.join());
    const tpl = await req("resources/templates/list", { server: "everything" });
    assert.ok(tpl.ok);
    const templates = (tpl.value as { uriTemplate: string }[]).map((x) => x.uriTemplate);
    assert.ok(templates.includes("demo://resource/dynamic/text/{resourceId}"), templates.join());
    assert.ok(!templates.some((u) => u.startsWith("demo://resource/dynamic/blob/")));
  });

  await t.step("resources/read by URI and by a resource link", async () => {
    const r = await req("resources/read", {
      server: "everything",
      uri: "demo://resource/dynamic/text/2",
    });
    assert.ok(r.ok, JSON.stringify(r));
    const [c] = r.value as { uri: string; text: string }[];
    assert.equal(c.uri, "demo://resource/dynamic/text/2");
    assert.match(c.text, /2/);
    const link = await req("resources/read", {
      server: "everything",
      uri: { type: "resource_link", uri: "demo://resource/dynamic/text/4", name: "x" },
    });
    assert.ok(link.ok);
    const denied = await req("resources/read", {
      server: "everything",
      uri: "demo://resource/dynamic/blob/1",
    });
    assert.deepEqual(denied, {
      ok: false,
      error: {
        code: "RESOURCE_DENIED",
        message:
          'Resource "demo://resource/dynamic/blob/1" of server "everything" is not allowed by the resource rules',
      },
    });
  });

  await t.step("prompts/list and prompts/get with arguments, rules applied", async () => {
    const r = await req("prompts/list", { server: "everything" });
    assert.ok(r.ok);
    assert.deepEqual((r.value as { name: string }[]).map((p) => p.name).sort(), [
      "args-prompt",
      "simple-prompt",
    ]);
    const got = await req("prompts/get", {
      server: "everything",
      name: "args-prompt",
      arguments: { city: "Lyon", state: "Rhône" },
    });
    assert.ok(got.ok, JSON.stringify(got));
    const msg = (got.value as { messages: { content: { text: string } }[] }).messages[0];
    assert.match(msg.content.text, /Lyon/);
    const denied = await req("prompts/get", { server: "everything", name: "resource-prompt" });
    assert.equal(!denied.ok && denied.error.code, "PROMPT_DENIED");
  });

  await t.step("bad requests name what is wrong", async () => {
    const unknown = await req("resources/list", { server: "nope" });
    assert.equal(
      !unknown.ok && unknown.error.message,
      'Unknown server "nope": known servers are "everything"',
    );
    const noUri = await req("resources/read", { server: "everything" });
    assert.match(!noUri.ok ? noUri.error.message : "", /Invalid argument "uri" of readResource/);
    const badArg = await req("prompts/get", {
      server: "everything",
      name: "args-prompt",
      arguments: { city: 3 },
    });
    assert.match(!badArg.ok ? badArg.error.message : "", /Invalid argument "city" of prompt/);
    const op = await req("resources/delete", { server: "everything" });
    assert.match(!op.ok ? op.error.message : "", /^Unknown operation "resources\/delete"/);
    const upstream = await req("resources/read", { server: "everything", uri: "demo://nothing" });
    assert.equal(upstream.ok, false);
  });
});

Deno.test("guest code reads a resource link a tool returned, and gets a prompt", async () => {
  const { Runtime } = await import("../runtime/runtime.ts");
  await using rt = await Runtime.create({
    servers: [everythingServer()],
    workers: 1,
    policy: { resources: { deny: ["everything/demo://resource/dynamic/blob/*"] } },
  });
  const r = await rt.execute(`
import { getResourceLinks } from "./servers/everything/index.ts";
import { readResource, listResourceTemplates, getPrompt, ToolError } from "./runtime.ts";
const links = (await getResourceLinks({ count: 2 })).filter((b) => b.type === "resource_link");
const text = await readResource("everything", links[1]);
let denied = "";
try {
  await readResource("everything", links[0]);
} catch (e) {
  denied = (e as ToolError).code;
}
const templates = await listResourceTemplates("everything");
const prompt = await getPrompt("everything", "simple-prompt");
export default {
  text: text[0],
  denied,
  templates: templates.length,
  role: prompt.messages[0].role,
};`);
  assert.ok(r.ok, JSON.stringify(r.error));
  const v = r.result as {
    text: { uri: string; text: string };
    denied: string;
    templates: number;
    role: string;
  };
  assert.equal(v.text.uri, "demo://resource/dynamic/text/2");
  assert.equal(v.denied, "RESOURCE_DENIED");
  assert.ok(v.templates >= 1);
  assert.equal(v.role, "user");
});
