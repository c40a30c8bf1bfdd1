// Writes a copy of faiss-node's faiss.cc whose Index.add() and Index.train() also accept a
// Float32Array and hand its memory to faiss directly.
//
// faiss-node 0.5 reads each element of a JS array through N-API: 17–55 s for 1M descriptors in
// bench/face-index-bench.ts runs, depending on load. A Float32Array needs no such copy, and arrays
// still take the original path. The script fails when the text it anchors on is missing, so a
// changed faiss-node is noticed.
//
//   node scripts/patch-faiss-node.mjs SOURCE OUTPUT
import { readFileSync, writeFileSync } from 'node:fs';

const [source, output] = process.argv.slice(2);
if (!source || !output) {
  console.error('usage: node scripts/patch-faiss-node.mjs SOURCE OUTPUT');
  process.exit(2);
}

let text = readFileSync(source, 'utf8');
for (const method of ['add', 'train']) {
  const anchor = `  Napi::Value ${method}(const Napi::CallbackInfo &info)\n  {\n    Napi::Env env = info.Env();\n`;
  if (text.split(anchor).length !== 2) {
    console.error(`patch-faiss-node: ${source} does not contain the start of Index.${method}() exactly once`);
    process.exit(1);
  }
  const branch = `
    if (info.Length() == 1 && info[0].IsTypedArray())
    {
      Napi::TypedArray typed = info[0].As<Napi::TypedArray>();
      if (typed.TypedArrayType() != napi_float32_array || typed.ElementLength() % index_->d != 0)
      {
        Napi::TypeError::New(env, "Expected a Float32Array whose length is a multiple of the dimension.")
            .ThrowAsJavaScriptException();
        return env.Undefined();
      }
      Napi::Float32Array values = info[0].As<Napi::Float32Array>();
      index_->${method}(values.ElementLength() / index_->d, values.Data());
      return env.Undefined();
    }
`;
  text = text.replace(anchor, anchor + branch);
}
writeFileSync(output, text);
