"""A bare JAX minGRU training-step probe, to compare with `python -m rnnedu.bench scan` on the JAX backend.

It times what the Keras layer computes, without Keras: the input projection, the log-space coefficients,
`jax.lax.associative_scan` over time, a Dense(10) head, the loss and its gradient (no optimizer update),
against a sequential GRU written with `jax.lax.scan`, both under `jax.jit`. Batch 64, 64 features,
128 units, as the issue's probe. Prints one line per length: median ms of the parallel and sequential steps.

    python tools/scan_probe_jax.py 64 256 1024 4096
"""

import sys
import time

import jax
import jax.numpy as jnp
import numpy as np


def _params(key, features, units):
    k1, k2, k3 = jax.random.split(key, 3)
    return {
        "kernel": jax.random.normal(k1, (features, 3 * units)) * 0.1,
        "recurrent": jax.random.normal(k2, (units, 3 * units)) * 0.1,
        "head": jax.random.normal(k3, (units, 10)) * 0.1,
    }


def _min_gru(params, x):
    k_z, k_h = jnp.split(x @ params["kernel"][:, : 2 * params["head"].shape[0]], 2, axis=-1)
    log_a = -jax.nn.softplus(k_z)
    log_b = -jax.nn.softplus(-k_z) + jnp.where(k_h >= 0, jnp.log(jax.nn.relu(k_h) + 0.5), -jax.nn.softplus(-k_h))

    def combine(first, second):
        return first[0] + second[0], jnp.logaddexp(second[0] + first[1], second[1])

    _, log_h = jax.lax.associative_scan(combine, (log_a, log_b), axis=1)
    return jnp.exp(log_h[:, -1])


def _gru(params, x):
    units = params["head"].shape[0]

    def step(h, x_t):
        xz, xr, xh = jnp.split(x_t @ params["kernel"], 3, axis=-1)
        hz, hr, hh = jnp.split(h @ params["recurrent"], 3, axis=-1)
        z, r = jax.nn.sigmoid(xz + hz), jax.nn.sigmoid(xr + hr)
        h = z * h + (1 - z) * jnp.tanh(xh + r * hh)
        return h, None

    h, _ = jax.lax.scan(step, jnp.zeros((x.shape[0], units)), jnp.swapaxes(x, 0, 1))
    return h


def _step(forward):
    def loss(params, x, y):
        logits = forward(params, x) @ params["head"]
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))

    return jax.jit(jax.value_and_grad(loss))


def _median_ms(step, params, x, y, repeats=20):
    jax.block_until_ready(step(params, x, y))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(step(params, x, y))
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def main(lengths):
    params = _params(jax.random.PRNGKey(0), 64, 128)
    print(f"jax {jax.__version__} on {jax.devices()[0].device_kind}; batch 64, 64 features, 128 units")
    for length in lengths:
        x = jax.random.normal(jax.random.PRNGKey(1), (64, length, 64))
        y = jnp.zeros(64, jnp.int32)
        parallel, sequential = (_median_ms(_step(f), params, x, y) for f in (_min_gru, _gru))
        ratio = sequential / parallel
        print(f"length {length}: minGRU scan {parallel:.3f} ms, GRU lax.scan {sequential:.3f} ms, {ratio:.1f}x")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [64, 256, 1024, 4096])
