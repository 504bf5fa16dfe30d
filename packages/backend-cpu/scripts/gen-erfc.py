# Fits h(t) = erfc(x) * x * exp(x^2) with t = 1/x on x in [2, 6] as a Chebyshev series in
# s = (t - tm) / tr, using mpmath as the reference; prints the coefficients for src/erf.ts.
import mpmath as mp
import numpy as np
from numpy.polynomial import chebyshev as C

mp.mp.dps = 40
lo, hi = 1 / 6, 1 / 2
tm, tr = (hi + lo) / 2, (hi - lo) / 2
deg = int(__import__('sys').argv[1]) if len(__import__('sys').argv) > 1 else 18
N = 400
k = np.arange(N)
s = np.cos(np.pi * (k + 0.5) / N)
t = tm + tr * s
h = np.array([float(mp.erfc(1 / mp.mpf(ti)) / mp.mpf(ti) * mp.exp(1 / mp.mpf(ti) ** 2)) for ti in t])
coef = C.chebfit(s, h, deg)
# check
xs = np.linspace(2, 6, 2001)
err = 0
for x in xs:
    ti = 1 / x
    approx = C.chebval((ti - tm) / tr, coef) / x * float(mp.exp(-mp.mpf(x) ** 2))
    ref = float(mp.erfc(mp.mpf(x)))
    err = max(err, abs(approx - ref) / ref)
print('max rel err erfc', err)
print('tm', repr(tm), 'tr', repr(tr))
print(',\n'.join(repr(float(c)) for c in coef))
