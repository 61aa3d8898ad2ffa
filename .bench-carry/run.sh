#!/bin/bash
# Device benchmark run (not part of the repo).
echo "node $(node --version 2>&1) | $(/usr/bin/python3 -c 'import torch;print("torch", torch.__version__)' 2>&1 | tail -1) | cpus $(nproc)"
nvidia-smi -L 2>&1 | head -2
[ -d node_modules ] || mv .bench-carry/node_modules node_modules
export FINETUNE_BENCH_MODEL_DIR=/tmp/minilm
/usr/bin/python3 test/fixtures/models/generate.py --minilm /tmp/minilm 2>&1 | grep -v Warning | tail -1
for T in ${THREADS:-4 16}; do
  FINETUNE_BENCH_THREADS=$T timeout 300 node -e "require('./out/test/bench/finetune.js').run({ quick: false })" 2>&1 | grep -v 'W:onnxruntime'
done | tee $OUT/bench.txt
