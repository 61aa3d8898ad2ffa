#!/usr/bin/python3
"""PyTorch peer of the fine-tuning benchmark: the same MiniLM-shaped BERT (generate.py's module and weights),
frozen embeddings, mean pooling, dropout + linear head, cross-entropy, clipping by global norm and AdamW —
the same work per step as our training graph. Prints one JSON line."""
import json
import os
import resource
import sys
import time

import torch

a = json.loads(sys.argv[1])
torch.manual_seed(0)
torch.set_num_threads(a['threads'])
torch.set_flush_denormal(True)
if a.get('peers_dir'):
    # The real model: a Hugging Face checkpoint loaded by the shared peers' BERT module.
    sys.path.insert(0, a['peers_dir'])
    from peer_common import load_bert  # noqa: E402
    model, _ = load_bert(a['peer_model_dir'])
else:
    sys.path.insert(0, a['generate_dir'])
    import generate  # noqa: E402
    c = generate.bert_config(30522, 384, 6, 12, 1536, 512)
    model = generate.BertModel(c)
    model.load_state_dict(torch.load(os.path.join(a['model_dir'], 'torch_state.pt')))
model.train()
for p in model.embeddings.parameters():
    p.requires_grad_(False)
k = 2
head = torch.nn.Linear(384, k)
drop = torch.nn.Dropout(0.1)
params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)
b, s = a['batch'], a['seq']
ids = (1000 + (torch.arange(b * s) * 7919) % 20000).view(b, s)
mask = torch.ones(b, s, dtype=torch.long)
types = torch.zeros_like(ids)
y = torch.arange(b) % k
# Real batches (token ids per text, as our worker gets them): padded to the batch's longest text.
real = json.load(open(a['batchesFile'])) if a.get('batchesFile') else None
steps = []
cpu = []
tokens = []
for step in range(a['steps']):
    if real:
        rows = real[step % len(real)]
        T = max(len(r) for r in rows)
        ids = torch.zeros(len(rows), T, dtype=torch.long)
        mask = torch.zeros(len(rows), T, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = torch.tensor(r)
            mask[i, :len(r)] = 1
        types = torch.zeros_like(ids)
        y = torch.arange(len(rows)) % k
    tokens.append(int(mask.sum()))
    t = time.perf_counter()
    c = time.process_time()
    h = model(ids, mask, types)
    m = mask[:, :, None].float()
    pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    loss = torch.nn.functional.cross_entropy(head(drop(pooled)), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    steps.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
print(json.dumps({'step_s': steps, 'cpu_s': cpu, 'tokens': tokens, 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  'torch': torch.__version__}))
