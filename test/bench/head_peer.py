#!/usr/bin/python3
"""scikit-learn peer for the frozen-encoder head on the *same* embeddings Fine-tune computed (test/bench/realmodel.ts).

usage: head_peer.py EMBEDDINGS.bin
The file: a little-endian uint32 header length, a JSON header {"dim", "train_labels", "test_labels"}, then float32
rows (train rows, then test rows). Fits LogisticRegression(max_iter=2000) with C picked by 5-fold stratified CV
(macro-F1) among {0.1, 1, 10, 100} on the whole training file, as the shared frozen_peer.py does after its
torch encoding; prints one JSON object (macro_f1, accuracy, best_C, fit_seconds).
"""
import json, struct, sys, time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold

with open(sys.argv[1], "rb") as f:
    (hlen,) = struct.unpack("<I", f.read(4))
    head = json.loads(f.read(hlen))
    x = np.frombuffer(f.read(), dtype="<f4").reshape(-1, head["dim"])
tr_y, te_y = head["train_labels"], head["test_labels"]
xtr, xte = x[: len(tr_y)], x[len(tr_y):]
t0 = time.perf_counter()
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
gs = GridSearchCV(LogisticRegression(max_iter=2000), {"C": [0.1, 1, 10, 100]}, cv=cv, scoring="f1_macro", n_jobs=1)
gs.fit(xtr, tr_y)
fit_s = time.perf_counter() - t0
pred = gs.predict(xte)
print(json.dumps({"macro_f1": f1_score(te_y, pred, average="macro"), "accuracy": accuracy_score(te_y, pred),
                  "best_C": gs.best_params_["C"], "fit_seconds": round(fit_s, 2)}))
