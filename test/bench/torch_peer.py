#!/usr/bin/python3
"""
PyTorch CPU peers for test/bench/encoder.ts (run with Debian's /usr/bin/python3, torch 1.13).

  torch_peer.py encode MODEL_DIR BATCHES_JSON THREADS [--int8] [--cuda]
      Runs the MiniLM-shaped BertModel of test/fixtures/models/generate.py (weights from MODEL_DIR/torch_state.pt)
      on the given batches of token ids (each batch padded here, attention mask over real tokens).
  torch_peer.py head FEATURES_BIN LABELS_BIN N D K THREADS EPOCHS BATCH LR HEAD HIDDEN
      Trains a logistic-regression or MLP head with AdamW on the same data as our head benchmark.

Prints one JSON line: wall seconds, CPU seconds (process_time), and what was done.
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'models'))


def encode(model_dir, batches_file, threads, int8, cuda=False):
    import generate
    torch.set_num_threads(threads)
    cfg = json.load(open(os.path.join(model_dir, 'config.json')))
    model = generate.BertModel(generate.Cfg(cfg))
    model.load_state_dict(torch.load(os.path.join(model_dir, 'torch_state.pt')), strict=False)
    model.eval()
    if int8:
        model = torch.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    if cuda:
        model = model.cuda()
    batches = json.load(open(batches_file))
    tensors = []
    for b in batches:
        t = max(len(r) for r in b)
        ids = torch.zeros((len(b), t), dtype=torch.long)
        mask = torch.zeros((len(b), t), dtype=torch.long)
        for i, r in enumerate(b):
            ids[i, :len(r)] = torch.tensor(r)
            mask[i, :len(r)] = 1
        tensors.append((ids, mask, torch.zeros_like(ids)))
    if cuda:
        tensors = [tuple(t.cuda() for t in ts) for ts in tensors]
    with torch.inference_mode():
        model(*tensors[0])  # warm-up
        if cuda:
            torch.cuda.synchronize()
        w0, c0 = time.perf_counter(), time.process_time()
        for ids, mask, tt in tensors:
            model(ids, mask, tt)
        if cuda:
            torch.cuda.synchronize()
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    tokens = sum(len(r) for b in batches for r in b)
    print(json.dumps({'seconds': wall, 'cpu_seconds': cpu, 'tokens': tokens, 'torch': torch.__version__, 'threads': threads}))


def head(features, labels, n, d, k, threads, epochs, batch, lr, kind, hidden):
    import numpy as np
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.from_numpy(np.fromfile(features, dtype=np.float32).reshape(n, d))
    y = torch.from_numpy(np.fromfile(labels, dtype=np.int32).astype(np.int64))
    w0, c0 = time.perf_counter(), time.process_time()
    x = (x - x.mean(0)) / x.std(0).clamp_min(1e-6)
    if kind == 'mlp':
        model = torch.nn.Sequential(torch.nn.Linear(d, hidden), torch.nn.ReLU(), torch.nn.Dropout(0.1), torch.nn.Linear(hidden, k))
    else:
        model = torch.nn.Linear(d, k)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * ((n + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / max(1, 0.06 * steps), max(0.0, (steps - s) / steps)))
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            sched.step()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(json.dumps({'seconds': wall, 'cpu_seconds': cpu, 'loss': float(loss), 'torch': torch.__version__}))


if __name__ == '__main__':
    if sys.argv[1] == 'encode':
        encode(sys.argv[2], sys.argv[3], int(sys.argv[4]), '--int8' in sys.argv, '--cuda' in sys.argv)
    elif sys.argv[1] == 'head':
        a = sys.argv[2:]
        head(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), int(a[6]), int(a[7]), float(a[8]), a[9], int(a[10]))
    else:
        raise SystemExit(__doc__)
