"""Random numbers drawn from numpy in bulk and handed out one at a time: the routine model
makes many small decisions, and a scalar numpy call costs as much as drawing a thousand."""

import math

import numpy as np

# Numbers drawn per refill: large enough that refills are rare, small enough to be cheap.
_BLOCK = 2048


class Draws:
    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._uniforms: list[float] = []
        self._normals: list[float] = []

    def uniform(self, low: float = 0.0, high: float = 1.0) -> float:
        if not self._uniforms:
            self._uniforms = self._rng.random(_BLOCK).tolist()
        return low + (high - low) * self._uniforms.pop()

    def normal(self, mean: float, sd: float) -> float:
        if not self._normals:
            self._normals = self._rng.standard_normal(_BLOCK).tolist()
        return mean + sd * self._normals.pop()

    def chance(self, probability: float) -> bool:
        return self.uniform() < probability

    def exponential(self, mean: float) -> float:
        return -mean * math.log(1.0 - self.uniform())

    def gamma2(self, mean: float) -> float:
        """Gamma with shape 2: a spell that is rarely very short, sometimes long."""
        return self.exponential(mean / 2) + self.exponential(mean / 2)

    def lognormal(self, median: float, sigma: float) -> float:
        return median * math.exp(self.normal(0.0, sigma))

    def poisson(self, mean: float) -> int:
        # Inversion: means here are small (a few events a night).
        threshold, count, product = math.exp(-mean), 0, self.uniform()
        while product > threshold:
            count += 1
            product *= self.uniform()
        return count

    def pick(self, weights: tuple[float, ...]) -> int:
        """An index, with probability proportional to its weight."""
        target = self.uniform(0.0, sum(weights))
        for index, weight in enumerate(weights):
            target -= weight
            if target < 0:
                return index
        return len(weights) - 1
