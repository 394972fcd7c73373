//! Calibration: probabilities that mean what they say.
//!
//! A logistic regression's probabilities are only as honest as its fit, and
//! ours lean: on held-out rows the model says "against" more confidently
//! than it is right. Tables of counts and shares inherit that lean, so each
//! classifier carries a calibration fitted on rows it was not trained on
//! (out-of-fold predictions at training time, or a labeled sample of the
//! user's own news with `stance calibrate`): vector scaling (Guo et al.
//! 2017), `q = softmax(w ⊙ log p + b)`, one weight and one bias per class
//! (temperature scaling is the case of one shared weight and no bias),
//! pulled gently toward the identity so that a small sample cannot swing
//! it far. The calibration keeps its sample (each row's gold class and
//! calibrated log-probabilities), so corrected counts can carry the
//! uncertainty of the calibration itself: [`Calibration::replicates`] refits
//! it on bootstrap resamples of that sample.

use std::borrow::Borrow;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How a classifier's probabilities are calibrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum CalibrationMethod {
    /// A weight and a bias per class on the log-probabilities
    Vector,
    /// One temperature for all classes (keeps every decision as it is)
    Temperature,
    /// No calibration
    None,
}

impl CalibrationMethod {
    /// The method's name as model files spell it.
    pub fn name(self) -> &'static str {
        match self {
            CalibrationMethod::Vector => "vector",
            CalibrationMethod::Temperature => "temperature",
            CalibrationMethod::None => "none",
        }
    }
}

/// Strength of the pull toward the identity map (an L2 penalty on `w - 1`
/// and `b`), in rows of the sample: the penalty weighs as much as this
/// many rows' log loss, so it matters for a small sample only.
const PULL_ROWS: f64 = 10.0;

/// A fitted calibration of one classifier, with the sample it was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub method: CalibrationMethod,
    /// Per class (in the classifier's class order): `q = softmax(w ⊙ log p + b)`.
    pub weights: Vec<f32>,
    pub biases: Vec<f32>,
    /// Where the sample comes from (`out-of-fold, 5 folds`, or a file).
    pub source: String,
    /// The labeled file of the user's own text it was fitted on, with its
    /// size and hash (`stance calibrate`); absent for a calibration fitted
    /// when training.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<crate::model::record::DataFileInfo>,
    /// The sample: each row's gold class (index) and its log-probabilities
    /// after this calibration.
    pub gold: Vec<u8>,
    pub log_probs: Vec<Vec<f32>>,
    /// Gold x predicted counts of the sample, after calibration.
    pub confusion: Vec<Vec<usize>>,
}

/// A vector-scaling map: `q = softmax(w ⊙ log p + b)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingMap {
    pub weights: Vec<f64>,
    pub biases: Vec<f64>,
}

impl ScalingMap {
    fn identity(k: usize) -> ScalingMap {
        ScalingMap {
            weights: vec![1.0; k],
            biases: vec![0.0; k],
        }
    }

    /// The calibrated probabilities of `probs`.
    pub fn apply(&self, probs: &[f32]) -> Vec<f32> {
        let logits: Vec<f64> = probs
            .iter()
            .zip(self.weights.iter().zip(&self.biases))
            .map(|(&p, (w, b))| w * (p.max(1e-12) as f64).ln() + b)
            .collect();
        softmax64(&logits).into_iter().map(|x| x as f32).collect()
    }
}

fn softmax64(x: &[f64]) -> Vec<f64> {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = x.iter().map(|v| (v - max).exp()).collect();
    let total: f64 = e.iter().sum();
    e.into_iter().map(|v| v / total).collect()
}

impl Calibration {
    /// Fits `method` on held-out rows: each row's gold class and the
    /// classifier's raw probabilities. `None` for `CalibrationMethod::None`
    /// or an empty sample.
    pub fn fit(method: CalibrationMethod, gold: &[usize], probs: &[Vec<f32>], source: String) -> Option<Calibration> {
        let k = probs.first()?.len();
        if method == CalibrationMethod::None || gold.is_empty() {
            return None;
        }
        let rows: Vec<(usize, Vec<f64>)> = gold
            .iter()
            .zip(probs)
            .map(|(&g, p)| (g, p.iter().map(|&x| (x.max(1e-12) as f64).ln()).collect()))
            .collect();
        let map = fit_map(method, &rows, k);
        let calibrated: Vec<Vec<f32>> = probs.iter().map(|p| map.apply(p)).collect();
        let mut confusion = vec![vec![0usize; k]; k];
        for (&g, q) in gold.iter().zip(&calibrated) {
            confusion[g][crate::scores::argmax(q)] += 1;
        }
        Some(Calibration {
            method,
            weights: map.weights.iter().map(|&w| w as f32).collect(),
            biases: map.biases.iter().map(|&b| b as f32).collect(),
            source,
            data: None,
            gold: gold.iter().map(|&g| g as u8).collect(),
            log_probs: calibrated
                .iter()
                .map(|q| q.iter().map(|&x| x.max(1e-12).ln()).collect())
                .collect(),
            confusion,
        })
    }

    /// The map this calibration applies.
    pub fn map(&self) -> ScalingMap {
        ScalingMap {
            weights: self.weights.iter().map(|&w| w as f64).collect(),
            biases: self.biases.iter().map(|&b| b as f64).collect(),
        }
    }

    /// Calibrated probabilities of raw ones.
    pub fn apply(&self, probs: &[f32]) -> Vec<f32> {
        self.map().apply(probs)
    }

    /// The share of each class among the sample's gold labels.
    pub fn class_shares(&self) -> Vec<f64> {
        let k = self.weights.len();
        let mut counts = vec![0f64; k];
        for &g in &self.gold {
            counts[g as usize] += 1.0;
        }
        let n = self.gold.len().max(1) as f64;
        counts.into_iter().map(|c| c / n).collect()
    }

    /// `n` maps to apply on top of this calibration's probabilities, each
    /// fitted (by the same method) to a bootstrap resample of the sample:
    /// how much the calibration could have differed with another sample of
    /// the same size. The first is the identity. Seeded, so deterministic.
    pub fn replicates(&self, n: usize, seed: u64) -> Vec<ScalingMap> {
        let k = self.weights.len();
        let rows: Vec<(usize, Vec<f64>)> = self
            .gold
            .iter()
            .zip(&self.log_probs)
            .map(|(&g, lp)| (g as usize, lp.iter().map(|&x| x as f64).collect()))
            .collect();
        // The resamples are drawn in order from the seeded generator, then
        // fitted in parallel: the same maps whatever the thread count.
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let resamples: Vec<Vec<&(usize, Vec<f64>)>> = match rows.is_empty() {
            true => Vec::new(),
            false => (1..n)
                .map(|_| (0..rows.len()).map(|_| &rows[rng.gen_range(0..rows.len())]).collect())
                .collect(),
        };
        let mut maps = vec![ScalingMap::identity(k)];
        maps.par_extend(resamples.par_iter().map(|resample| fit_map(self.method, resample, k)));
        maps
    }
}

/// What [`fit_map`] minimises: the mean log loss of a map on `rows` (gold,
/// log-probabilities) plus the pull toward the identity, as a function of
/// the map's parameters `θ`. Temperature: one shared weight; vector: `k`
/// weights, then `k - 1` biases (the first class's bias is 0).
struct MapObjective<'a, R> {
    method: CalibrationMethod,
    rows: &'a [R],
    k: usize,
    /// The pull's weight: [`PULL_ROWS`] over the number of rows.
    pull_weight: f64,
    /// Which class's logit each parameter moves under vector scaling (`w_c`
    /// and `b_c` move class c's; the temperature moves every class's).
    class_of: Vec<usize>,
}

impl<'a, R: Borrow<(usize, Vec<f64>)>> MapObjective<'a, R> {
    fn new(method: CalibrationMethod, rows: &'a [R], k: usize) -> Self {
        let n_params = match method {
            CalibrationMethod::Temperature => 1,
            _ => 2 * k - 1,
        };
        MapObjective {
            method,
            rows,
            k,
            pull_weight: PULL_ROWS / rows.len().max(1) as f64,
            class_of: (0..n_params).map(|i| if i < k { i } else { i - k + 1 }).collect(),
        }
    }

    /// The identity map's parameters, where the fit starts.
    fn identity(&self) -> Vec<f64> {
        (0..self.class_of.len()).map(|i| self.centre(i)).collect()
    }

    /// The pull's centre for parameter `i`: weights toward 1, biases toward 0.
    fn centre(&self, i: usize) -> f64 {
        match self.method {
            CalibrationMethod::Temperature => 1.0,
            _ if i < self.k => 1.0,
            _ => 0.0,
        }
    }

    fn to_map(&self, theta: &[f64]) -> ScalingMap {
        let k = self.k;
        match self.method {
            CalibrationMethod::Temperature => ScalingMap {
                weights: vec![theta[0]; k],
                biases: vec![0.0; k],
            },
            _ => ScalingMap {
                weights: theta[..k].to_vec(),
                biases: std::iter::once(0.0).chain(theta[k..].iter().copied()).collect(),
            },
        }
    }

    /// The objective at `theta`, its gradient and its Hessian, in one pass.
    /// With logits z = J θ (`J[c][i]`: how parameter i moves class c's logit),
    /// the log loss has gradient Jᵀ (p - e_gold) and Hessian
    /// Jᵀ (diag p - p pᵀ) J. Under vector scaling each parameter moves one
    /// class's logit, by `v_i` (the log-probability for a weight, 1 for a
    /// bias), so the Hessian's (i, j) term is [class i = class j] v_i v_j p
    /// - u_i u_j with u_i = v_i p_(class i).
    fn evaluate(&self, theta: &[f64]) -> (f64, Vec<f64>, Vec<Vec<f64>>) {
        let (k, m) = (self.k, self.class_of.len());
        let class_of = &self.class_of;
        let map = self.to_map(theta);
        let mut loss = 0f64;
        let mut grad = vec![0f64; m];
        let mut hessian = vec![vec![0f64; m]; m];
        let mut p = vec![0f64; k];
        let mut v = vec![0f64; m];
        let mut u = vec![0f64; m];
        for row in self.rows {
            let (g, lp) = row.borrow();
            for c in 0..k {
                p[c] = map.weights[c] * lp[c] + map.biases[c];
            }
            let max = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut total = 0f64;
            for x in p.iter_mut() {
                *x = (*x - max).exp();
                total += *x;
            }
            p.iter_mut().for_each(|x| *x /= total);
            loss -= p[*g].max(1e-300).ln();
            match self.method {
                CalibrationMethod::Temperature => {
                    let mean: f64 = (0..k).map(|c| p[c] * lp[c]).sum();
                    let square: f64 = (0..k).map(|c| p[c] * lp[c] * lp[c]).sum();
                    grad[0] += mean - lp[*g];
                    hessian[0][0] += square - mean * mean;
                }
                _ => {
                    for i in 0..m {
                        let c = class_of[i];
                        v[i] = if i < k { lp[c] } else { 1.0 };
                        u[i] = v[i] * p[c];
                        grad[i] += v[i] * (p[c] - (c == *g) as u8 as f64);
                    }
                    for i in 0..m {
                        for j in 0..m {
                            let same = if class_of[i] == class_of[j] {
                                v[i] * v[j] * p[class_of[i]]
                            } else {
                                0.0
                            };
                            hessian[i][j] += same - u[i] * u[j];
                        }
                    }
                }
            }
        }
        let n = self.rows.len().max(1) as f64;
        let mut pull = 0f64;
        for i in 0..m {
            grad[i] = grad[i] / n + self.pull_weight * (theta[i] - self.centre(i));
            pull += (theta[i] - self.centre(i)).powi(2);
            hessian[i].iter_mut().for_each(|h| *h /= n);
            hessian[i][i] += self.pull_weight;
        }
        (loss / n + self.pull_weight / 2.0 * pull, grad, hessian)
    }
}

/// Fits a map of `method` minimising [`MapObjective`] by Newton's method
/// with the exact Hessian and a backtracking line search (at most `2k - 1`
/// parameters; the objective is convex in them, so a few steps do).
fn fit_map<R: Borrow<(usize, Vec<f64>)>>(method: CalibrationMethod, rows: &[R], k: usize) -> ScalingMap {
    let objective = MapObjective::new(method, rows, k);
    let mut theta = objective.identity();
    // The loss, gradient and Hessian at the current point (those of the
    // last accepted step).
    let norm = |g: &[f64]| g.iter().map(|x| x * x).sum::<f64>().sqrt();
    let (mut value, mut g, mut hessian) = objective.evaluate(&theta);
    for _ in 0..50 {
        if norm(&g) < 1e-9 {
            break;
        }
        let step =
            solve(hessian.clone(), g.iter().map(|x| -x).collect()).unwrap_or_else(|| g.iter().map(|x| -x).collect());
        let mut t = 1.0;
        let mut improved = false;
        for _ in 0..30 {
            let candidate: Vec<f64> = theta.iter().zip(&step).map(|(a, s)| a + t * s).collect();
            let (v, gv, hv) = objective.evaluate(&candidate);
            // Near the optimum the loss changes by less than its rounding,
            // so a full step that shrinks the gradient (Newton's quadratic
            // convergence) is taken as long as the loss does not rise
            // beyond that rounding.
            let converging = t == 1.0 && norm(&gv) < norm(&g) / 2.0 && v <= value + 1e-12 * value.abs().max(1.0);
            if v < value || converging {
                theta = candidate;
                (value, g, hessian) = (v, gv, hv);
                improved = true;
                break;
            }
            t /= 2.0;
        }
        if !improved {
            break;
        }
    }
    objective.to_map(&theta)
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (done, below) = a.split_at_mut(col + 1);
        let pivot_row = &done[col];
        for (offset, row) in below.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[col + 1 + offset] -= f * b[col];
        }
    }
    let mut x = vec![0f64; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Expected calibration error over 10 equal-width bins of the top class's
/// probability, and the multi-class Brier score, of `(gold, probabilities)`.
pub fn calibration_error(rows: &[(usize, Vec<f32>)]) -> (f64, f64) {
    if rows.is_empty() {
        return (0.0, 0.0);
    }
    let mut bins = [(0f64, 0f64, 0usize); 10];
    let mut brier = 0f64;
    for (gold, probs) in rows {
        let best = crate::scores::argmax(probs);
        let confidence = probs[best] as f64;
        let bin = ((confidence * 10.0) as usize).min(9);
        bins[bin].0 += confidence;
        bins[bin].1 += (best == *gold) as u8 as f64;
        bins[bin].2 += 1;
        brier += probs
            .iter()
            .enumerate()
            .map(|(c, &p)| (p as f64 - (c == *gold) as u8 as f64).powi(2))
            .sum::<f64>();
    }
    let n = rows.len() as f64;
    let ece = bins
        .iter()
        .filter(|b| b.2 > 0)
        .map(|(conf, correct, _)| (conf - correct).abs() / n)
        .sum::<f64>();
    (ece, brier / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows whose raw probabilities lean toward class 1 and are twice as
    /// confident as they should be: the true class's logit is 1 higher on
    /// average, with noise.
    fn lean() -> (Vec<usize>, Vec<Vec<f32>>) {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut gold = Vec::new();
        let mut probs = Vec::new();
        for _ in 0..2000 {
            let g = rng.gen_range(0..3usize);
            let logits: Vec<f64> = (0..3)
                .map(|c| {
                    let truth = if c == g { 1.0 } else { 0.0 };
                    let lean = if c == 1 { 0.8 } else { 0.0 };
                    2.0 * (truth + rng.r#gen::<f64>() * 1.5) + lean
                })
                .collect();
            gold.push(g);
            probs.push(softmax64(&logits).into_iter().map(|x| x as f32).collect());
        }
        (gold, probs)
    }

    #[test]
    fn vector_scaling_removes_a_lean_and_temperature_keeps_decisions() {
        let (gold, probs) = lean();
        let rows = |probs: &[Vec<f32>]| -> Vec<(usize, Vec<f32>)> {
            gold.iter().copied().zip(probs.iter().cloned()).collect()
        };
        let (ece_before, brier_before) = calibration_error(&rows(&probs));
        let vector = Calibration::fit(CalibrationMethod::Vector, &gold, &probs, "test".into()).unwrap();
        let calibrated: Vec<Vec<f32>> = probs.iter().map(|p| vector.apply(p)).collect();
        let (ece_after, brier_after) = calibration_error(&rows(&calibrated));
        assert!(brier_after < brier_before - 0.05, "{brier_before} -> {brier_after}");
        assert!(ece_after < ece_before, "{ece_before} -> {ece_after}");
        // The lean toward class 1 is gone: its bias falls.
        assert!(vector.biases[1] < vector.biases[0] - 0.3, "{:?}", vector.biases);
        let temperature = Calibration::fit(CalibrationMethod::Temperature, &gold, &probs, "test".into()).unwrap();
        for p in &probs {
            assert_eq!(crate::scores::argmax(p), crate::scores::argmax(&temperature.apply(p)));
        }
        assert!(Calibration::fit(CalibrationMethod::None, &gold, &probs, "test".into()).is_none());
    }

    /// The objective's gradient and Hessian are those of its value:
    /// central differences agree with them at a point away from the
    /// identity, for both methods.
    #[test]
    fn map_objective_derivatives_match_finite_differences() {
        let (gold, probs) = lean();
        let rows: Vec<(usize, Vec<f64>)> = gold
            .iter()
            .zip(&probs)
            .take(300)
            .map(|(&g, p)| (g, p.iter().map(|&x| (x as f64).ln()).collect()))
            .collect();
        for (method, theta) in [
            (CalibrationMethod::Vector, vec![0.7, 1.3, 0.9, 0.2, -0.4]),
            (CalibrationMethod::Temperature, vec![0.6]),
        ] {
            let objective = MapObjective::new(method, &rows, 3);
            let (_, grad, hessian) = objective.evaluate(&theta);
            let h = 1e-5;
            for i in 0..theta.len() {
                let at = |d: f64| {
                    let mut t = theta.clone();
                    t[i] += d;
                    objective.evaluate(&t)
                };
                let ((up, grad_up, _), (down, grad_down, _)) = (at(h), at(-h));
                let slope = (up - down) / (2.0 * h);
                assert!(
                    (slope - grad[i]).abs() < 1e-6,
                    "{method:?} d/d{i}: {slope} vs {}",
                    grad[i]
                );
                for j in 0..theta.len() {
                    let second = (grad_up[j] - grad_down[j]) / (2.0 * h);
                    assert!(
                        (second - hessian[i][j]).abs() < 1e-6,
                        "{method:?} H[{i}][{j}]: {second} vs {}",
                        hessian[i][j]
                    );
                }
            }
            // And the fit ends where the gradient vanishes.
            let fitted = fit_map(method, &rows, 3);
            let theta: Vec<f64> = match method {
                CalibrationMethod::Temperature => vec![fitted.weights[0]],
                _ => fitted.weights.iter().chain(&fitted.biases[1..]).copied().collect(),
            };
            let (_, grad, _) = objective.evaluate(&theta);
            assert!(grad.iter().all(|g| g.abs() < 1e-8), "{method:?}: {grad:?}");
        }
    }

    #[test]
    fn replicates_vary_around_the_identity_and_are_seeded() {
        let (gold, probs) = lean();
        let c = Calibration::fit(CalibrationMethod::Vector, &gold, &probs, "test".into()).unwrap();
        let maps = c.replicates(20, 9);
        assert_eq!(maps.len(), 20);
        assert_eq!(maps[0], ScalingMap::identity(3));
        assert_eq!(maps, c.replicates(20, 9));
        let spread: f64 = maps.iter().map(|m| (m.biases[1] - maps[1].biases[1]).abs()).sum();
        assert!(spread > 0.0);
        assert!(maps.iter().all(|m| m.weights.iter().all(|w| (w - 1.0).abs() < 0.5)));
    }
}
