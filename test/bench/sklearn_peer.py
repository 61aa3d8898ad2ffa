#!/usr/bin/python3
"""scikit-learn peers for the n-gram benchmark (test/bench/ngram.ts), run with Debian's /usr/bin/python3.

usage: sklearn_peer.py TRAIN.jsonl TEST.jsonl
Prints one JSON object: for each peer, fit seconds (vectorizer + model), predict seconds (transform +
predict) and the predicted labels of the test texts. TF-IDF over word 1-2-grams, sublinear tf, min_df=2,
as in the shared datasets' README.
"""
import json
import sys
import time
import warnings

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC


def read(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                texts.append(row["text"])
                labels.append(str(row["label"]))
    return texts, labels


def main():
    warnings.filterwarnings("ignore")
    train_x, train_y = read(sys.argv[1])
    test_x, _ = read(sys.argv[2])
    peers = {
        "tfidf_logreg": lambda: LogisticRegression(C=10, max_iter=1000),
        "tfidf_linearsvc": lambda: LinearSVC(C=1),
    }
    out = {}
    for name, make in peers.items():
        t0 = time.perf_counter()
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        model = make().fit(vec.fit_transform(train_x), train_y)
        t1 = time.perf_counter()
        pred = model.predict(vec.transform(test_x))
        t2 = time.perf_counter()
        out[name] = {"train_s": t1 - t0, "predict_s": t2 - t1, "pred": [str(p) for p in pred]}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
