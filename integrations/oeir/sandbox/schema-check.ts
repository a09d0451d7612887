import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const wsdlFile = (name: string): string => fileURLToPath(new URL(`../wsdl/${name}`, import.meta.url));
const SCHEMA = {
  fileName: 'DebitorIndbetalingAfsend_1.xsd',
  contents: readFileSync(wsdlFile('DebitorIndbetalingAfsend_1.xsd'), 'utf8'),
};
const PRELOAD = ['AuthorityContext_1.xsd', 'InvocationContext_1.xsd'].map((fileName) => ({
  fileName,
  contents: readFileSync(wsdlFile(fileName), 'utf8'),
}));

const SOAP_11 = 'http://schemas.xmlsoap.org/soap/envelope/';

/**
 * The payload inside soap:Body as a document of its own, with the namespaces declared on the
 * Envelope and Body carried onto it. Null when the text is no SOAP 1.1 envelope with a body.
 */
export function bodyPayload(envelope: string): string | null {
  const open = /<([\w-]+):Envelope\b([^>]*)>/u.exec(envelope);
  if (!open || !open[2]!.includes(`xmlns:${open[1]}="${SOAP_11}"`)) return null;
  const prefix = open[1]!;
  const body = new RegExp(`<${prefix}:Body\\b([^>]*)>([\\s\\S]*)</${prefix}:Body>`, 'u').exec(envelope);
  const inner = body?.[2]?.trim();
  if (!inner) return null;
  const declarations = [...`${open[2]} ${body![1]}`.matchAll(/\s(xmlns:[\w-]+)="([^"]*)"/gu)];
  return inner.replace(/^<([^\s>/]+)([^>]*?)(\/?)>/u, (_m, name: string, attrs: string, selfClosing: string) => {
    const missing = declarations.filter(([, decl]) => !attrs.includes(`${decl}=`)).map(([full]) => full);
    return `<${name}${attrs}${missing.join('')}${selfClosing}>`;
  });
}

/** What the schema says is wrong with the request (empty: valid). */
export async function schemaErrors(envelope: string): Promise<string[]> {
  if (/<!DOCTYPE|<!ENTITY/iu.test(envelope)) return ['a DOCTYPE or entity declaration is not accepted'];
  const payload = bodyPayload(envelope);
  if (payload === null) return ['not a SOAP 1.1 envelope with a body'];
  const result = await xmllint.run(
    [{ fileName: 'request.xml', contents: payload }, SCHEMA, ...PRELOAD],
    ['--schema', SCHEMA.fileName, '--noout', 'request.xml'],
  );
  if (result.code === 0) return [];
  const errors = result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.endsWith('fails to validate'));
  return errors.length > 0 ? errors : [`xmllint exited with ${result.code}`];
}

/** The worker: xmllint's Emscripten module, its WebAssembly compiled once, one run per message. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const Module = require(join(workerData.dir, 'xmllint-node.js'));
const wasm = new WebAssembly.Module(readFileSync(join(workerData.dir, 'xmllint.wasm')));
parentPort.on('message', (job) => {
  if (!job || job.kind !== 'kiosk-schema-check') return;
  let stderr = '';
  const reply = (code) => parentPort.postMessage({ kind: 'kiosk-schema-result', id: job.id, code, stderr });
  Module({
    inputFiles: job.inputFiles,
    arguments: job.args,
    print() {},
    printErr(text) { stderr += text + '\\n'; },
    onExit: reply,
    onAbort(reason) { stderr += 'abort: ' + reason; reply(-1); },
    instantiateWasm(imports, done) { done(new WebAssembly.Instance(wasm, imports), wasm); return {}; },
    wasmMemory: new WebAssembly.Memory({ initial: 256, maximum: 512 }),
  });
});
`;

interface XmllintResult {
  readonly code: number;
  readonly stderr: string;
}

class XmllintWorker {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, (result: XmllintResult) => void>();

  run(inputFiles: readonly { fileName: string; contents: string }[], args: readonly string[]): Promise<XmllintResult> {
    const worker = this.worker ?? this.start();
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      // Held while a check runs; let go when none does, so it never keeps a process alive.
      worker.ref();
      worker.postMessage({ kind: 'kiosk-schema-check', id, inputFiles, args });
    });
  }

  private start(): Worker {
    const dir = dirname(createRequire(import.meta.url).resolve('xmllint-wasm/package.json'));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dir } });
    worker.on('message', (message: { kind?: string; id: number; code: number; stderr: string }) => {
      if (message.kind !== 'kiosk-schema-result') return;
      this.pending.get(message.id)?.({ code: message.code, stderr: message.stderr });
      this.pending.delete(message.id);
      if (this.pending.size === 0) worker.unref();
    });
    const fail = (why: string): void => {
      // A crashed worker refuses what it was checking (never "valid"), and the next check starts anew.
      this.worker = null;
      for (const resolve of this.pending.values()) resolve({ code: -1, stderr: `schema check failed: ${why}` });
      this.pending.clear();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`the checker stopped (${code})`));
    this.worker = worker;
    return worker;
  }
}

const xmllint = new XmllintWorker();
