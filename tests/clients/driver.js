// Runs the npm i'mport V1 clients for tests/test_official_clients.py, one call at a time.
//
// Protocol: one JSON object a line on stdin, one JSON answer a line on stdout.
//   {"op": "init", "base_url", "imp_key", "imp_secret"}   builds one instance of each client, pointed at paymux
//   {"op": "methods"}                                      every method each client offers, read from the package
//   {"op": "versions"}                                     each client's installed version
//   {"op": "call", "client", "method", "args": [...]}     calls it; answers {"ok": true, "value"} or {"ok": false, "error"}
//
// Each client is used as its README says; the only change from production code is the host.
// `value`/`error` keep what the client itself hands its caller (its own error type's fields), so the
// test asserts on what a shop's code sees.
"use strict";

const readline = require("readline");
const Iamport = require("iamport");
const RestClient = require("iamport-rest-client-nodejs");
const { Iamporter, IamporterError } = require("iamporter");
const ServerApi = require("iamport-server-api");

let clients = null;

// ------------------------------------------------------------------ enumerating the methods

function ownFunctions(proto) {
  return Object.getOwnPropertyNames(proto)
    .filter((name) => name !== "constructor" && !name.startsWith("_") && typeof proto[name] === "function");
}

function staticFunctions(cls) {
  return Object.getOwnPropertyNames(cls)
    .filter((name) => !["length", "name", "prototype"].includes(name) && typeof cls[name] === "function");
}

function serverApiFunctions(namespace, prefix, seen, out) {
  for (const [key, value] of Object.entries(namespace)) {
    if (value === null || (typeof value !== "object" && typeof value !== "function") || seen.has(value)) continue;
    seen.add(value);
    if (typeof value === "function" && value.METADATA) out.push(prefix + key);
    if (typeof value === "object") serverApiFunctions(value, prefix + key + ".", seen, out);
  }
  return out;
}

function methods() {
  const probe = new Iamport({ impKey: "k", impSecret: "s" });
  const iamport = [];
  for (const name of Object.keys(Iamport.resources)) {
    const property = name[0].toLowerCase() + name.substring(1);
    for (const method of ownFunctions(Object.getPrototypeOf(probe[property]))) iamport.push(`${property}.${method}`);
  }
  const restClient = [];
  for (const [name, cls] of Object.entries(RestClient.Request)) {
    for (const method of staticFunctions(cls)) restClient.push(`${name}.${method}`);
  }
  return {
    "iamport": iamport.sort(),
    "iamport-rest-client-nodejs": restClient.sort(),
    "iamporter": ownFunctions(Iamporter.prototype).sort(),
    "iamport-server-api": serverApiFunctions(ServerApi.functional, "", new Set(), []).sort(),
  };
}

// ------------------------------------------------------------------ calling them

function init({ base_url, imp_key, imp_secret }) {
  // npm `iamport` has no host option: its host is the class's DEFAULT_HOST.
  Iamport.DEFAULT_HOST = base_url;
  clients = {
    "iamport": new Iamport({ impKey: imp_key, impSecret: imp_secret }),
    "iamport-rest-client-nodejs": new RestClient.Iamport({ apiKey: imp_key, apiSecret: imp_secret, baseUrl: base_url }),
    "iamporter": new Iamporter({ apiKey: imp_key, secret: imp_secret, host: base_url }),
    "iamport-server-api": new ServerApi.IamportConnector(base_url, { imp_key, imp_secret }),
    base_url,
  };
}

function lookup(root, dotted) {
  let owner = null;
  let target = root;
  for (const part of dotted.split(".")) {
    owner = target;
    target = target[part];
    if (target === undefined) throw new Error(`no such method: ${dotted}`);
  }
  return [owner, target];
}

// The fields the client's response class reads that the answer did not have (left undefined).
function unset(response) {
  const items = Array.isArray(response) ? response
    : response && Array.isArray(response.list) ? response.list : [response];
  const names = new Set();
  for (const item of items) {
    if (item === null || typeof item !== "object") continue;
    for (const [key, value] of Object.entries(item)) if (value === undefined) names.add(key);
  }
  return [...names].sort();
}

function plain(value) {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

async function call(client, method, args) {
  switch (client) {
    case "iamport": {
      const [owner, fn] = lookup(clients.iamport, method);
      try {
        return { ok: true, value: plain(await fn.apply(owner, args)) };
      } catch (error) {
        return { ok: false, error: { message: error.message, code: error.code === undefined ? null : error.code } };
      }
    }
    case "iamport-rest-client-nodejs": {
      const [owner, fn] = lookup(RestClient.Request, method);
      try {
        const request = fn.apply(owner, args);
        const answer = await request.request(clients[client]);
        return { ok: true, value: { status: answer.status, data: plain(answer.data), unset: unset(answer.data.response) } };
      } catch (error) {
        // The client rejects with axios' error for an HTTP error and with {response: {data}} for code != 0.
        if (error && error.response) {
          return { ok: false, error: { status: error.response.status === undefined ? null : error.response.status,
                                       data: plain(error.response.data) } };
        }
        return { ok: false, error: { message: String(error && error.message), status: null, data: null } };
      }
    }
    case "iamporter": {
      const instance = clients.iamporter;
      const fn = instance[method];
      if (typeof fn !== "function") throw new Error(`no such method: ${method}`);
      try {
        const value = await fn.apply(instance, args);
        return { ok: true, value: plain(value) };
      } catch (error) {
        if (!(error instanceof IamporterError)) throw error;
        return { ok: false, error: { message: error.message, status: error.status === undefined ? null : error.status,
                                     data: plain(error.data), raw: plain(error.raw) } };
      }
    }
    case "iamport-server-api": {
      const [owner, fn] = lookup(ServerApi.functional, method);
      try {
        // users.getToken is called with a bare connection, as IamportConnector does; everything else
        // with the connection IamportConnector hands out (its token refreshed when due).
        const connection = method === "users.getToken"
          ? { host: clients.base_url } : await clients[client].get();
        return { ok: true, value: plain(await fn.apply(owner, [connection, ...args])) };
      } catch (error) {
        if (error && typeof error.status === "number") {
          let body = null;
          try { body = JSON.parse(error.message); } catch (_) { body = error.message; }
          return { ok: false, error: { status: error.status, body } };
        }
        return { ok: false, error: { status: null, body: String(error && error.message) } };
      }
    }
    default:
      throw new Error(`no such client: ${client}`);
  }
}

async function handle(line) {
  const message = JSON.parse(line);
  if (message.op === "init") { init(message); return { ok: true }; }
  if (message.op === "methods") return { ok: true, value: methods() };
  if (message.op === "versions") {
    const names = ["iamport", "iamport-rest-client-nodejs", "iamporter", "iamport-server-api"];
    return { ok: true, value: Object.fromEntries(names.map((name) => [name, require(`${name}/package.json`).version])) };
  }
  if (message.op === "call") return call(message.client, message.method, message.args || []);
  throw new Error(`no such op: ${message.op}`);
}

const input = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
input.on("line", (line) => {
  queue = queue.then(async () => {
    let answer;
    try {
      answer = await handle(line);
    } catch (error) {
      answer = { crashed: String(error && error.stack || error) };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  });
});
