// Writes a copy of faiss-node's faiss.cc whose Index.add() and Index.train() also accept a
// Float32Array and hand its memory to faiss directly, and which adds Index.readAsync().
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
// Index.readAsync(fname) reads an index file on a libuv thread and resolves to the index, so that
// reading a large index does not block the event loop (faiss-node's Index.read does).
const readAnchor = '  static Napi::Value fromBuffer(const Napi::CallbackInfo &info)\n';
const registerAnchor = '      StaticMethod("read", &Index::read),\n';
for (const anchor of [readAnchor, registerAnchor]) {
  if (text.split(anchor).length < 2 || (anchor === registerAnchor && text.split(anchor).length !== 2)) {
    console.error(
      `patch-faiss-node: ${source} does not contain ${JSON.stringify(anchor.trim())} as expected`,
    );
    process.exit(1);
  }
}
const readAsync = `  class ReadWorker : public Napi::AsyncWorker
  {
  public:
    ReadWorker(Napi::Env env, std::string fname)
        : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), fname_(std::move(fname)) {}

    Napi::Promise Promise() { return deferred_.Promise(); }

    void Execute() override
    {
      try
      {
        read_.reset(faiss::read_index(fname_.c_str()));
      }
      catch (const std::exception &ex)
      {
        SetError(ex.what());
      }
    }

    void OnOK() override
    {
      Napi::Object instance = T::constructor->New({});
      T *index = Napi::ObjectWrap<T>::Unwrap(instance);
      index->index_ = std::move(read_);
      deferred_.Resolve(instance);
    }

    void OnError(const Napi::Error &error) override { deferred_.Reject(error.Value()); }

  private:
    Napi::Promise::Deferred deferred_;
    std::string fname_;
    std::unique_ptr<faiss::Index> read_;
  };

  static Napi::Value readAsync(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (info.Length() != 1 || !info[0].IsString())
    {
      Napi::TypeError::New(env, "readAsync: expected one argument, the index file name as a string.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto *worker = new ReadWorker(env, info[0].As<Napi::String>().Utf8Value());
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

`;
text = text.replace(readAnchor, readAsync + readAnchor);
text = text.replace(registerAnchor, `${registerAnchor}      StaticMethod("readAsync", &Index::readAsync),\n`);

writeFileSync(output, text);
