#!/usr/bin/python3
"""cleanlab peer for the audit benchmark (test/bench/audit.ts). Needs cleanlab 2.9 (pip install 'cleanlab==2.9.*').

usage: cleanlab_peer.py INPUT.json
INPUT: {"k": K, "labels": [given class per row], "probs": [n*K out-of-fold probabilities, row-major],
        "texts": [text per row], "folds": F, "seed": S}
Prints one JSON object: for each peer, the row indices cleanlab's find_label_issues flags and seconds taken:
  same_probs      - find_label_issues(labels, the given probabilities)
  tfidf_logreg_cN - find_label_issues(labels, cross_val_predict(TF-IDF word 1-2-grams sublinear min_df=2 +
                    LogisticRegression(C=N)), stratified F folds)
"""
import json
import sys
import time
import warnings

import numpy as np
from cleanlab.filter import find_label_issues
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline


def main():
    warnings.filterwarnings("ignore")
    with open(sys.argv[1], encoding="utf-8") as f:
        inp = json.load(f)
    k = inp["k"]
    labels = np.asarray(inp["labels"], dtype=int)
    probs = np.asarray(inp["probs"], dtype=float).reshape(-1, k)
    out = {}
    t0 = time.perf_counter()
    out["same_probs"] = {"issues": np.flatnonzero(find_label_issues(labels, probs)).tolist(), "seconds": time.perf_counter() - t0}
    for c in (1, 10):
        t0 = time.perf_counter()
        model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2), LogisticRegression(C=c, max_iter=1000))
        cv = StratifiedKFold(n_splits=inp["folds"], shuffle=True, random_state=inp["seed"])
        p = cross_val_predict(model, inp["texts"], labels, cv=cv, method="predict_proba")
        issues = np.flatnonzero(find_label_issues(labels, p)).tolist()
        out[f"tfidf_logreg_c{c}"] = {"issues": issues, "seconds": time.perf_counter() - t0}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
