#!/usr/bin/env python3
"""Two more labeled text sets for the real-model bench, built from Debian data on this machine (no download).

  debian-section   a package's one-line description -> its archive section (apt-cache dumpavail; the
                   package name is left out, since it often spells the section: python3-*, librust-*)
  wordnet-lexname  a WordNet synset's gloss -> its lexicographer file (noun.animal, verb.motion, ...;
                   `apt-get install wordnet-base`)

Each is written as <out>/<name>.train.jsonl and <name>.test.jsonl ({"text", "label"} per line, as the shared
sets), seeded, at most CAP texts per class, classes with fewer than MIN_CLASS texts dropped, texts that occur more
than once dropped (they would cross the split), 20 % held out for test. Debian packages are split by source
package, so libfoo1 and libfoo-dev never straddle the split. Benchmark data only: nothing here ships.

  /usr/bin/python3 test/bench/extra_sets.py /tmp/extra-sets
  FINETUNE_SHARED_DATASETS=/tmp/extra-sets FINETUNE_SHARED_MODEL=<MiniLM folder> \
    FINETUNE_BENCH_SETS=debian-section,wordnet-lexname npm run bench -- realmodel
"""
import collections
import json
import os
import random
import subprocess
import sys

CAP = 250
MIN_CLASS = 150
TEST_SHARE = 0.2
SEED = 0


def debian_sections():
    """(text, label, group) per binary package in the apt lists."""
    out = subprocess.run(['apt-cache', 'dumpavail'], check=True, capture_output=True, text=True).stdout
    for record in out.split('\n\n'):
        fields = {}
        for line in record.splitlines():
            if line and not line[0].isspace() and ':' in line:
                key, _, value = line.partition(':')
                fields[key] = value.strip()
        if 'Description' in fields and 'Section' in fields:
            source = fields.get('Source', fields.get('Package', '')).split(' ')[0]
            yield fields['Description'], fields['Section'].split('/')[-1], source


# WordNet 3.0's lexicographer files by number (lexnames(5WN)); Debian's wordnet-base does not ship the file.
LEXNAMES = (
    'adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body noun.cognition '
    'noun.communication noun.event noun.feeling noun.food noun.group noun.location noun.motive noun.object '
    'noun.person noun.phenomenon noun.plant noun.possession noun.process noun.quantity noun.relation noun.shape '
    'noun.state noun.substance noun.time verb.body verb.change verb.cognition verb.communication verb.competition '
    'verb.consumption verb.contact verb.creation verb.emotion verb.motion verb.perception verb.possession '
    'verb.social verb.stative verb.weather adj.ppl'
).split()


def wordnet_lexnames(root='/usr/share/wordnet'):
    """(text, label, group) per synset: its gloss and lexicographer file; each synset is its own group."""
    for pos in ('noun', 'verb', 'adj', 'adv'):
        path = os.path.join(root, f'data.{pos}')
        if not os.path.exists(path):
            sys.exit(f'{path} not found: apt-get install wordnet-base')
        for line in open(path, encoding='utf-8'):
            if line.startswith('  '):
                continue  # licence header
            head, _, gloss = line.partition('|')
            parts = head.split()
            lex = int(parts[1])
            yield gloss.strip(), LEXNAMES[lex], f'{pos}{parts[0]}'


def write_set(name, rows, out_dir):
    rng = random.Random(SEED)
    counts = collections.Counter(text for text, _, _ in rows)
    rows = [r for r in rows if r[0] and counts[r[0]] == 1]
    by_label = collections.defaultdict(list)
    for r in rows:
        by_label[r[1]].append(r)
    kept = []
    for label in sorted(by_label):
        items = by_label[label]
        if len(items) < MIN_CLASS:
            continue
        rng.shuffle(items)
        kept += items[:CAP]
    groups = sorted({g for _, _, g in kept})
    rng.shuffle(groups)
    test_groups = set(groups[: int(len(groups) * TEST_SHARE)])
    rng.shuffle(kept)
    for split, pick in (('train', lambda g: g not in test_groups), ('test', lambda g: g in test_groups)):
        with open(os.path.join(out_dir, f'{name}.{split}.jsonl'), 'w', encoding='utf-8') as f:
            for text, label, group in kept:
                if pick(group):
                    f.write(json.dumps({'text': text, 'label': label}, ensure_ascii=False) + '\n')
    n_test = sum(1 for _, _, g in kept if g in test_groups)
    print(f'{name}: {len(kept) - n_test} train / {n_test} test texts, {len({l for _, l, _ in kept})} classes')


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else 'extra-sets'
    os.makedirs(out_dir, exist_ok=True)
    write_set('debian-section', list(debian_sections()), out_dir)
    write_set('wordnet-lexname', list(wordnet_lexnames()), out_dir)


if __name__ == '__main__':
    main()
