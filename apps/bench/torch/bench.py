"""The torch-cpu impl of the bench harness: the same models, data and loop in PyTorch.

Run by apps/bench (src/impls/torch.ts), never by hand; it reads raw little-endian arrays the
harness wrote and prints one JSON object on stdout. Two commands:

  bench.py matmul --dir D --n N --threads T --warmup W --samples S
      reads D/a.f32, D/b.f32 (n x n), writes the product to D/c.f32, prints
      {"reps", "ms": [per-sample wall ms], "cpuMs": [per-sample process CPU ms]}
  bench.py train --dir D --model mlp|cnn --epochs E --threads T --batch B --lr LR --seed S
      reads D/x_train.f32, D/y_train.i32, D/order_<e>.i32 (one per epoch), D/x_test.f32,
      D/y_test.i32, prints {"secPerEpoch": [...], "cpuSecPerEpoch": [...], "accuracy"}
"""

import argparse
import json
import os
import time

import numpy as np
import torch
from torch import nn

PIXELS = 784
CLASSES = 10
WARMUP_BATCHES = 3
TARGET_MS = 50.0


def read(path, dtype):
    return np.fromfile(path, dtype=dtype)


def build(model):
    if model == "mlp":
        return nn.Sequential(nn.Linear(PIXELS, 128), nn.ReLU(), nn.Linear(128, CLASSES))
    return nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, CLASSES),
    )


def images(x, model):
    t = torch.from_numpy(x)
    return t.view(-1, PIXELS) if model == "mlp" else t.view(-1, 1, 28, 28)


def epoch(net, opt, loss_fn, x, y, order, batch):
    # The data lives in one tensor; each batch is gathered by index, as nn's loop does on its device.
    net.train()
    for start in range(0, order.numel(), batch):
        idx = order[start : start + batch]
        opt.zero_grad()
        loss = loss_fn(net(x[idx]), y[idx])
        loss.backward()
        opt.step()


def train(a):
    x = images(read(os.path.join(a.dir, "x_train.f32"), np.float32), a.model)
    y = torch.from_numpy(read(os.path.join(a.dir, "y_train.i32"), np.int32).astype(np.int64))
    xt = images(read(os.path.join(a.dir, "x_test.f32"), np.float32), a.model)
    yt = torch.from_numpy(read(os.path.join(a.dir, "y_test.i32"), np.int32).astype(np.int64))
    orders = [
        torch.from_numpy(read(os.path.join(a.dir, f"order_{e}.i32"), np.int32).astype(np.int64))
        for e in range(a.epochs)
    ]
    loss_fn = nn.CrossEntropyLoss()

    def fresh():
        torch.manual_seed(a.seed)
        net = build(a.model)
        return net, torch.optim.Adam(net.parameters(), lr=a.lr)

    # A throwaway model first, as every impl of the harness does (allocator, thread pool warm-up).
    net, opt = fresh()
    epoch(net, opt, loss_fn, x, y, orders[0][: WARMUP_BATCHES * a.batch], a.batch)
    net, opt = fresh()
    wall, cpu = [], []
    for order in orders:
        w0, c0 = time.perf_counter(), time.process_time()
        epoch(net, opt, loss_fn, x, y, order, a.batch)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    net.eval()
    with torch.no_grad():
        correct = (net(xt).argmax(dim=1) == yt).sum().item()
    return {"secPerEpoch": wall, "cpuSecPerEpoch": cpu, "accuracy": correct / yt.numel()}


def matmul(a):
    n = a.n
    av = torch.from_numpy(read(os.path.join(a.dir, "a.f32"), np.float32)).view(n, n)
    bv = torch.from_numpy(read(os.path.join(a.dir, "b.f32"), np.float32)).view(n, n)
    torch.matmul(av, bv).numpy().tofile(os.path.join(a.dir, "c.f32"))

    def run(reps):
        for _ in range(reps):
            torch.matmul(av, bv)

    # The harness's own calibration: double until a run takes 10 ms, then aim at 50 ms a sample.
    run(1)
    calib = 1
    while True:
        t0 = time.perf_counter()
        run(calib)
        took = (time.perf_counter() - t0) * 1000
        if took >= 10 or calib >= 256:
            break
        calib *= 2
    reps = max(1, min(1024, round(TARGET_MS * calib / took)))
    for _ in range(a.warmup):
        run(reps)
    wall, cpu = [], []
    for _ in range(a.samples):
        w0, c0 = time.perf_counter(), time.process_time()
        run(reps)
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return {"reps": reps, "ms": wall, "cpuMs": cpu}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["matmul", "train"])
    p.add_argument("--dir", required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--n", type=int)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--samples", type=int, default=7)
    p.add_argument("--model", choices=["mlp", "cnn"])
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    out = matmul(a) if a.command == "matmul" else train(a)
    out["threads"] = torch.get_num_threads()
    out["torch"] = torch.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
