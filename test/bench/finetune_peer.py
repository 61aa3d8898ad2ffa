#!/usr/bin/python3
"""A standard PyTorch fine-tuning loop, the peer of `--mode full` in the realmodel bench (test/bench/realmodel.ts).

usage: finetune_peer.py SPEC.json
SPEC (written by the bench): {"run_json": our run.json, "model_dir": the Hugging Face checkpoint of the same model
(config.json, vocab.txt, model.safetensors), "peers_dir": the shared peers (peer_common.py: BertWordPiece,
load_bert; gen_fixture.py: the BERT module with BertModel's dropout), "train", "test": JSONL files, "valid_rows":
indices of the training file our run held out for validation (the bench recomputes our split), "threads"}.

Hyperparameters come from run.json's config.options (epochs, batchSize, lr, warmup, weightDecay, maxLength,
pooling, dropout, encoderDropout, freezeEmbeddings, layerDecay, labelSmoothing, classWeights, maxGradNorm, patience) and
config.seed. Everything else is the usual recipe, not a copy of ours:
- model.train(): BERT's dropout inside the encoder (config.json's p, or encoderDropout when set);
- tokens [CLS] … [SEP]; a text longer than maxLength keeps its first maxLength − 1 tokens and [SEP];
- head: nn.Linear with Hugging Face's init (normal std 0.02, zero bias), dropout on the pooled vector;
- AdamW(0.9, 0.999, 1e-8), no decay on biases and LayerNorm weights; clip_grad_norm_; linear warm-up over
  ceil(T · warmup) steps then linear decay to 0 (transformers' get_linear_schedule_with_warmup);
- batches: a fresh random permutation each epoch, grouped by length within mega-batches of 50 batches
  (Trainer's group_by_length), so padding costs about what ours does;
- the validation macro-F1 after each epoch picks the epoch whose weights score the test file.
Prints progress and one JSON line.
"""
import copy, json, math, os, re, sys, time

spec = json.load(open(sys.argv[1]))
run = json.load(open(spec["run_json"]))
o = run["config"]["options"]
seed = int(run["config"].get("seed", 42))
threads = int(spec.get("threads", 2))
os.environ.setdefault("OMP_NUM_THREADS", str(threads))
sys.path.insert(0, spec["peers_dir"])

import torch  # noqa: E402
from peer_common import BertWordPiece, load_bert, read_jsonl, macro_f1, peak_rss_mb  # noqa: E402

torch.set_num_threads(threads)
torch.manual_seed(seed)
t_start = time.perf_counter()

tr_x, tr_y = read_jsonl(spec["train"])
te_x, te_y = read_jsonl(spec["test"])
held = set(spec["valid_rows"])
rest = [i for i in range(len(tr_x)) if i not in held]
labels = sorted(set(tr_y[i] for i in rest))
li = {l: i for i, l in enumerate(labels)}
K = len(labels)

model, cfg = load_bert(spec["model_dir"])
if o.get("encoderDropout") is not None:
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = float(o["encoderDropout"])
tok = BertWordPiece(os.path.join(spec["model_dir"], "vocab.txt"))
L = int(o["maxLength"])


def encode(texts):
    rows, cut = [], 0
    for t in texts:
        ids = tok.encode(t)
        if len(ids) > L:
            ids = ids[: L - 1] + [ids[-1]]; cut += 1
        rows.append(ids)
    return rows, cut


def pick(idx, ys):
    keep = [i for i in idx if ys[i] in li]
    return keep, [li[ys[i]] for i in keep]


rest_i, train_y = pick(rest, tr_y)
held_i, valid_y = pick(sorted(held), tr_y)
test_i, test_y = pick(range(len(te_x)), te_y)
train_ids, c1 = encode([tr_x[i] for i in rest_i])
valid_ids, c2 = encode([tr_x[i] for i in held_i])
test_ids, _ = encode([te_x[i] for i in test_i])
print(f"train {len(train_ids)} valid {len(valid_ids)} test {len(test_ids)}; truncated {c1 + c2}", flush=True)

H = cfg["hidden_size"]
head = torch.nn.Linear(H, K)
with torch.no_grad():
    head.weight.normal_(0.0, cfg.get("initializer_range", 0.02)); head.bias.zero_()
drop = torch.nn.Dropout(float(o["dropout"]))
for n, p in model.named_parameters():
    p.requires_grad_(not (o["freezeEmbeddings"] and n.startswith("embeddings.")))
named = [(n, p) for n, p in model.named_parameters() if p.requires_grad] + [("head." + n, p) for n, p in head.named_parameters()]
params = [p for _, p in named]
no_decay = lambda n: n.endswith(".bias") or "LayerNorm" in n  # noqa: E731
layer_decay = float(o.get("layerDecay") or 1)
n_layers = int(cfg["num_hidden_layers"])


def lr_scale(n):  # layer-wise decay as the usual recipe (ELECTRA): layer i at d^(L - i), embeddings at d^(L + 1)
    m = re.match(r"encoder\.layer\.(\d+)\.", n)
    if m:
        return layer_decay ** (n_layers - int(m.group(1)))
    return layer_decay ** (n_layers + 1) if n.startswith("embeddings.") else 1.0


groups = {}
for n, p in named:
    groups.setdefault((no_decay(n), lr_scale(n)), []).append(p)
opt = torch.optim.AdamW([{"params": ps, "weight_decay": 0.0 if nd else float(o["weightDecay"]), "lr": float(o["lr"]) * sc}
                         for (nd, sc), ps in groups.items()],
                        lr=float(o["lr"]), betas=(0.9, 0.999), eps=1e-8)
counts = torch.bincount(torch.tensor(train_y), minlength=K).float()
class_weight = (len(train_y) / (K * counts.clamp(min=1))) if o.get("classWeights") == "balanced" else None


def batch_tensors(rows):
    T = max(len(r) for r in rows)
    ids = torch.full((len(rows), T), tok.pad, dtype=torch.long)
    mask = torch.zeros((len(rows), T), dtype=torch.long)
    for r, row in enumerate(rows):
        ids[r, : len(row)] = torch.tensor(row); mask[r, : len(row)] = 1
    return ids, mask


def logits_of(rows, training):
    ids, mask = batch_tensors(rows)
    h = model(ids, mask, torch.zeros_like(ids))
    if o.get("pooling") == "cls":
        pooled = h[:, 0]
    else:
        m = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return head(drop(pooled) if training else pooled), int(mask.sum())


def predict(rows):
    model.eval()
    out = [0] * len(rows)
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))
    with torch.inference_mode():
        for s in range(0, len(order), 32):
            idx = order[s: s + 32]
            lg, _ = logits_of([rows[i] for i in idx], False)
            for r, i in enumerate(idx):
                out[i] = int(lg[r].argmax())
    return out


def grouped_batches(lengths, bs):
    perm = torch.randperm(len(lengths)).tolist()
    mega = bs * 50
    batches = []
    for g in range(0, len(perm), mega):
        part = sorted(perm[g: g + mega], key=lambda i: -lengths[i])
        batches += [part[s: s + bs] for s in range(0, len(part), bs)]
    return [batches[i] for i in torch.randperm(len(batches)).tolist()]


bs, epochs = int(o["batchSize"]), int(o["epochs"])
total = math.ceil(len(train_ids) / bs) * epochs
warm = math.ceil(total * float(o["warmup"]))
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm)))
patience = int(o.get("patience") or 0)
step, tokens, step_seconds = 0, 0, 0.0
best = (-1.0, 0, None)
epochs_out = []
for epoch in range(1, epochs + 1):
    e0 = time.perf_counter()
    model.train(); drop.train()
    loss_sum = 0.0
    batches = grouped_batches([len(r) for r in train_ids], bs)
    for b, idx in enumerate(batches):
        s0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        lg, ntok = logits_of([train_ids[i] for i in idx], True)
        loss = torch.nn.functional.cross_entropy(lg, torch.tensor([train_y[i] for i in idx]), weight=class_weight,
                                                 label_smoothing=float(o.get("labelSmoothing") or 0))
        loss.backward()
        if float(o["maxGradNorm"]) > 0:
            torch.nn.utils.clip_grad_norm_(params, float(o["maxGradNorm"]))
        opt.step(); sched.step(); step += 1
        step_seconds += time.perf_counter() - s0
        tokens += ntok
        loss_sum += float(loss) * len(idx)
        if b % 20 == 0:
            print(f"  epoch {epoch} step {b + 1}/{len(batches)} loss {float(loss):.4f} {tokens / step_seconds:.0f} tok/s", flush=True)
    vp = predict(valid_ids)
    f1 = macro_f1(valid_y, vp, K)
    is_best = f1 > best[0]
    if is_best:
        best = (f1, epoch, copy.deepcopy({"model": model.state_dict(), "head": head.state_dict()}))
    ep = {"epoch": epoch, "train_loss": round(loss_sum / len(train_ids), 4), "valid_macro_f1": round(f1, 4),
          "seconds": round(time.perf_counter() - e0, 1), "best": is_best}
    epochs_out.append(ep)
    print(json.dumps(ep), flush=True)
    if patience and epoch - best[1] >= patience:
        break

model.load_state_dict(best[2]["model"]); head.load_state_dict(best[2]["head"])
train_seconds = time.perf_counter() - t_start
tp = predict(test_ids)
print(json.dumps({
    "method": "torch standard fine-tuning", "macro_f1": macro_f1(test_y, tp, K),
    "accuracy": sum(int(x == y) for x, y in zip(tp, test_y)) / len(test_y), "best_epoch": best[1],
    "best_valid_macro_f1": round(best[0], 4), "train_seconds": round(train_seconds, 1),
    "train_tokens_per_s": round(tokens / max(step_seconds, 1e-9), 1), "steps": step,
    "peak_rss_mb": round(peak_rss_mb()), "epochs": epochs_out, "torch": torch.__version__, "threads": threads,
    "options": o, "seed": seed}), flush=True)
