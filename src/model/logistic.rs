//! Logistic regression: fitting with linfa, scoring sparse rows ourselves.
//!
//! `linfa-logistic` fits a multinomial logistic regression (L-BFGS on the
//! L2-penalised log loss `sum_i -log p(y_i|x_i) + alpha/2 ||W||^2`) but
//! takes only dense matrices, and on wide data it can stop early and still
//! return `Ok`. So this module builds the dense matrix for the fit, then
//! checks convergence itself (the gradient norm of the same penalised loss,
//! computed on the sparse rows), warm-starts the solver again when the fit
//! stopped short, and reports the outcome rather than hiding it. Prediction
//! reads the learned weights and intercepts and scores sparse rows directly,
//! which is what makes classification fast.

use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2, ShapeBuilder};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::vectorize::SparseVec;
use crate::scores::softmax;

/// Settings of the logistic-regression fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    /// L2 penalty weight (linfa's `alpha`; scikit-learn's `C` is `1/alpha`).
    pub alpha: f32,
    /// L-BFGS iterations per solver run.
    pub max_iterations: u64,
    /// Converged when the gradient norm falls below this fraction of its
    /// norm at the zero start.
    pub relative_tolerance: f32,
    /// Extra warm-started solver runs allowed when a run stops short.
    pub max_restarts: u32,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            alpha: 1.0,
            max_iterations: 200,
            relative_tolerance: 1e-3,
            max_restarts: 3,
        }
    }
}

impl LogisticParams {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(Error::Settings(format!(
                "alpha must be a positive number, got {}",
                self.alpha
            )));
        }
        if self.max_iterations == 0 {
            return Err(Error::Settings("max_iterations must be at least 1".into()));
        }
        if !(self.relative_tolerance.is_finite() && self.relative_tolerance > 0.0) {
            return Err(Error::Settings("relative_tolerance must be positive".into()));
        }
        Ok(())
    }
}

/// How a fit ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitDiagnostics {
    /// True when the gradient-norm test passed.
    pub converged: bool,
    /// Gradient norm of the penalised loss at the returned weights.
    pub gradient_norm: f32,
    /// Gradient norm at the all-zero start (the scale of the test).
    pub initial_gradient_norm: f32,
    /// Solver runs used (1 + warm restarts).
    pub solver_runs: u32,
}

/// A fitted linear classifier over sparse features.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "ClassifierParts", into = "ClassifierParts")]
pub struct LinearClassifier {
    classes: Vec<String>,
    n_features: usize,
    /// Feature-major: the weights of feature `f` are `weights[f*k..(f+1)*k]`.
    weights: Vec<f32>,
    intercepts: Vec<f32>,
    diagnostics: FitDiagnostics,
}

#[derive(Serialize, Deserialize)]
struct ClassifierParts {
    classes: Vec<String>,
    n_features: usize,
    weights: Vec<f32>,
    intercepts: Vec<f32>,
    diagnostics: FitDiagnostics,
}

impl TryFrom<ClassifierParts> for LinearClassifier {
    type Error = String;
    fn try_from(p: ClassifierParts) -> Result<Self, String> {
        let k = p.classes.len();
        if k < 2 {
            return Err(format!("a classifier needs at least 2 classes, found {k}"));
        }
        if p.weights.len() != p.n_features * k || p.intercepts.len() != k {
            return Err(format!(
                "weights ({}) and intercepts ({}) do not fit {} features x {k} classes",
                p.weights.len(),
                p.intercepts.len(),
                p.n_features
            ));
        }
        if p.weights.iter().chain(&p.intercepts).any(|w| !w.is_finite()) {
            return Err("a weight is not a finite number".into());
        }
        Ok(LinearClassifier {
            classes: p.classes,
            n_features: p.n_features,
            weights: p.weights,
            intercepts: p.intercepts,
            diagnostics: p.diagnostics,
        })
    }
}

impl From<LinearClassifier> for ClassifierParts {
    fn from(c: LinearClassifier) -> Self {
        ClassifierParts {
            classes: c.classes,
            n_features: c.n_features,
            weights: c.weights,
            intercepts: c.intercepts,
            diagnostics: c.diagnostics,
        }
    }
}

impl LinearClassifier {
    /// Fits a classifier on sparse rows with `n_features` columns.
    /// `labels[i]` is an index into `classes`; every class must occur.
    pub fn fit(
        rows: &[SparseVec],
        labels: &[usize],
        classes: Vec<String>,
        n_features: usize,
        params: &LogisticParams,
    ) -> Result<LinearClassifier> {
        let k = classes.len();
        if k < 2 {
            return Err(Error::Training(format!("need at least two classes to fit, found {k}")));
        }
        let mut counts = vec![0usize; k];
        labels.iter().for_each(|&l| counts[l] += 1);
        if let Some(missing) = counts.iter().position(|&c| c == 0) {
            return Err(Error::Training(format!(
                "class \"{}\" has no training rows",
                classes[missing]
            )));
        }
        if n_features == 0 {
            return Err(Error::Training(
                "no features survived the vocabulary settings (lower --min-df?)".into(),
            ));
        }
        let dense = to_dense(rows, n_features);
        let targets = Array1::from_iter(labels.iter().copied());
        let dataset = Dataset::new(dense, targets);

        let mut model = LinearClassifier {
            classes,
            n_features,
            weights: vec![0.0; n_features * k],
            intercepts: vec![0.0; k],
            diagnostics: FitDiagnostics {
                converged: false,
                gradient_norm: f32::NAN,
                initial_gradient_norm: f32::NAN,
                solver_runs: 0,
            },
        };
        let initial = model.gradient_norm(rows, labels, params.alpha);
        model.diagnostics.initial_gradient_norm = initial;
        let threshold = initial * params.relative_tolerance;
        let mut warm_start: Option<Array2<f64>> = None;
        for run in 1..=params.max_restarts + 1 {
            let mut solver = MultiLogisticRegression::<f64>::default()
                .alpha(params.alpha as f64)
                .max_iterations(params.max_iterations)
                .gradient_tolerance((threshold as f64).max(f64::MIN_POSITIVE));
            if let Some(init) = warm_start.take() {
                solver = solver.initial_params(init);
            }
            let fitted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| solver.fit(&dataset)))
                .map_err(|panic| {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    Error::Training(format!("the logistic-regression solver panicked: {what}"))
                })?
                .map_err(|e| Error::Training(format!("the logistic-regression solver failed: {e}")))?;
            if fitted.classes().len() != k {
                return Err(Error::Training(format!(
                    "solver saw {} classes, expected {k}",
                    fitted.classes().len()
                )));
            }
            let candidate = LinearClassifier {
                weights: fitted.params().iter().map(|&w| w as f32).collect(),
                intercepts: fitted.intercept().iter().map(|&b| b as f32).collect(),
                ..model.clone()
            };
            if candidate
                .weights
                .iter()
                .chain(&candidate.intercepts)
                .any(|w| !w.is_finite())
            {
                return Err(Error::Training("the solver returned non-finite weights".into()));
            }
            let norm = candidate.gradient_norm(rows, labels, params.alpha);
            // Keep the better of the previous and the new weights (the
            // first run's always: the previous norm starts as NaN).
            let no_better = matches!(
                norm.partial_cmp(&model.diagnostics.gradient_norm),
                Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
            );
            if !no_better {
                model.weights = candidate.weights;
                model.intercepts = candidate.intercepts;
                model.diagnostics.gradient_norm = norm;
            }
            model.diagnostics.solver_runs = run;
            if model.diagnostics.gradient_norm <= threshold {
                model.diagnostics.converged = true;
                break;
            }
            let mut init = Array2::zeros((n_features + 1, k));
            for f in 0..n_features {
                for c in 0..k {
                    init[[f, c]] = model.weights[f * k + c] as f64;
                }
            }
            for c in 0..k {
                init[[n_features, c]] = model.intercepts[c] as f64;
            }
            warm_start = Some(init);
        }
        Ok(model)
    }

    /// A classifier from weights fitted elsewhere (feature-major, as
    /// [`weight`](Self::weight) reads them), checked like a loaded one.
    pub(crate) fn from_weights(
        classes: Vec<String>,
        n_features: usize,
        weights: Vec<f32>,
        intercepts: Vec<f32>,
        diagnostics: FitDiagnostics,
    ) -> Result<LinearClassifier> {
        LinearClassifier::try_from(ClassifierParts {
            classes,
            n_features,
            weights,
            intercepts,
            diagnostics,
        })
        .map_err(|m| Error::Training(format!("the fitted weights are unusable: {m}")))
    }

    /// The class labels, in the order of [`probabilities`](Self::probabilities).
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Number of input features.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// How the fit ended.
    pub fn diagnostics(&self) -> &FitDiagnostics {
        &self.diagnostics
    }

    /// Adds `shift` to the intercept of class `c`: a prior correction that
    /// makes the class more (positive) or less (negative) likely.
    pub fn shift_intercept(&mut self, c: usize, shift: f32) {
        self.intercepts[c] += shift;
    }

    /// The intercept of each class.
    pub fn intercepts(&self) -> &[f32] {
        &self.intercepts
    }

    /// All weights, feature-major: feature `f`'s for class `c` is at
    /// `f * classes + c`.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// The weight of feature `f` for class `c`.
    pub fn weight(&self, f: usize, c: usize) -> f32 {
        self.weights[f * self.classes.len() + c]
    }

    /// Raw scores `x.W + b`, one per class.
    pub fn scores(&self, row: &SparseVec) -> Vec<f32> {
        let k = self.classes.len();
        let mut scores = self.intercepts.clone();
        for &(f, v) in row {
            let w = &self.weights[f as usize * k..(f as usize + 1) * k];
            for (s, wc) in scores.iter_mut().zip(w) {
                *s += v * wc;
            }
        }
        scores
    }

    /// Class probabilities (softmax of the scores), summing to 1.
    pub fn probabilities(&self, row: &SparseVec) -> Vec<f32> {
        softmax(self.scores(row))
    }

    /// Euclidean norm of the gradient of the penalised loss linfa minimises.
    fn gradient_norm(&self, rows: &[SparseVec], labels: &[usize], alpha: f32) -> f32 {
        let k = self.classes.len();
        let mut grad_w = vec![0f64; self.weights.len()];
        let mut grad_b = vec![0f64; k];
        for (row, &label) in rows.iter().zip(labels) {
            let mut p = self.probabilities(row);
            p[label] -= 1.0;
            for (c, d) in p.iter().enumerate() {
                grad_b[c] += *d as f64;
            }
            for &(f, v) in row {
                for (c, d) in p.iter().enumerate() {
                    grad_w[f as usize * k + c] += (v * d) as f64;
                }
            }
        }
        let mut sum = 0f64;
        for (g, w) in grad_w.iter().zip(&self.weights) {
            let g = g + alpha as f64 * *w as f64;
            sum += g * g;
        }
        sum += grad_b.iter().map(|g| g * g).sum::<f64>();
        sum.sqrt() as f32
    }
}

/// Repeats rows of the smaller classes of each group until every class of
/// the group has as many rows as the group's largest, which weights the log
/// loss like scikit-learn's `class_weight="balanced"` within each group
/// (linfa takes no sample weights). `groups[i]` is row `i`'s group (all
/// zero for one classifier). Whole copies first, then the first rows of the
/// class again for the remainder, so the result is deterministic.
pub(crate) fn balance_classes<T: Clone>(
    rows: &mut Vec<T>,
    labels: &mut Vec<usize>,
    groups: &[usize],
    n_classes: usize,
) {
    let n_groups = groups.iter().copied().max().map_or(0, |g| g + 1);
    let mut members: Vec<Vec<Vec<usize>>> = vec![vec![Vec::new(); n_classes]; n_groups];
    for (i, (&l, &g)) in labels.iter().zip(groups).enumerate() {
        members[g][l].push(i);
    }
    for by_class in &members {
        let target = by_class.iter().map(Vec::len).max().unwrap_or(0);
        for (class, rows_of_class) in by_class.iter().enumerate() {
            if rows_of_class.is_empty() {
                continue;
            }
            for k in 0..target - rows_of_class.len() {
                let i = rows_of_class[k % rows_of_class.len()];
                rows.push(rows[i].clone());
                labels.push(class);
            }
        }
    }
}

/// A dense matrix of sparse rows, for the solver.
fn to_dense(rows: &[SparseVec], n_features: usize) -> Array2<f64> {
    let mut dense = Array2::zeros((rows.len(), n_features).f());
    for (i, row) in rows.iter().enumerate() {
        for &(f, v) in row {
            dense[[i, f as usize]] = v as f64;
        }
    }
    dense
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small separable three-class problem over 6 features.
    fn toy() -> (Vec<SparseVec>, Vec<usize>) {
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..60u32 {
            let class = (i % 3) as usize;
            let noise = i * 7 % 6;
            let row = vec![(class as u32 * 2, 0.8), (noise.min(5), 0.6)];
            let mut row: SparseVec = row;
            row.sort_by_key(|&(f, _)| f);
            row.dedup_by_key(|&mut (f, _)| f);
            rows.push(row);
            labels.push(class);
        }
        (rows, labels)
    }

    fn classes() -> Vec<String> {
        ["a", "b", "c"].map(String::from).to_vec()
    }

    #[test]
    fn sparse_probabilities_match_linfa() {
        let (rows, labels) = toy();
        let params = LogisticParams::default();
        let model = LinearClassifier::fit(&rows, &labels, classes(), 6, &params).unwrap();
        assert!(model.diagnostics().converged, "{:?}", model.diagnostics());
        // Refit with linfa directly from the same start and compare.
        let dataset = Dataset::new(to_dense(&rows, 6), Array1::from(labels.clone()));
        let mut init = Array2::zeros((7, 3));
        for f in 0..6 {
            for c in 0..3 {
                init[[f, c]] = model.weight(f, c) as f64;
            }
        }
        for c in 0..3 {
            init[[6, c]] = model.intercepts[c] as f64;
        }
        let linfa_model = MultiLogisticRegression::<f64>::default()
            .alpha(params.alpha as f64)
            .max_iterations(1)
            .initial_params(init)
            .fit(&dataset)
            .unwrap();
        let weights: Vec<f32> = linfa_model.params().iter().map(|&w| w as f32).collect();
        let ours = LinearClassifier {
            weights,
            intercepts: linfa_model.intercept().iter().map(|&b| b as f32).collect(),
            ..model.clone()
        };
        let linfa_probs = linfa_model.predict_probabilities(dataset.records());
        for (i, row) in rows.iter().enumerate() {
            let p = ours.probabilities(row);
            for c in 0..3 {
                assert!(
                    (p[c] as f64 - linfa_probs[[i, c]]).abs() < 1e-5,
                    "row {i} class {c}: {} vs {}",
                    p[c],
                    linfa_probs[[i, c]]
                );
            }
        }
    }

    #[test]
    fn learns_the_toy_problem() {
        let (rows, labels) = toy();
        let model = LinearClassifier::fit(&rows, &labels, classes(), 6, &LogisticParams::default()).unwrap();
        let correct = rows
            .iter()
            .zip(&labels)
            .filter(|(r, l)| {
                let p = model.probabilities(r);
                let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
                best == **l
            })
            .count();
        assert_eq!(correct, rows.len());
        let p = model.probabilities(&rows[0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn rejects_bad_inputs_without_panicking() {
        let (rows, labels) = toy();
        let one_class = vec![0; rows.len()];
        let err = LinearClassifier::fit(&rows, &one_class, classes(), 6, &LogisticParams::default()).unwrap_err();
        assert!(err.to_string().contains("has no training rows"), "{err}");
        let bad = LogisticParams {
            alpha: -1.0,
            ..LogisticParams::default()
        };
        assert!(bad.validate().is_err());
        let _ = labels;
    }

    #[test]
    fn balancing_equalises_class_counts() {
        let mut rows: Vec<SparseVec> = (0..7).map(|i| vec![(i, 1.0)]).collect();
        let mut labels = vec![0, 0, 0, 0, 0, 1, 2];
        balance_classes(&mut rows, &mut labels, &[0; 7], 3);
        for c in 0..3 {
            assert_eq!(labels.iter().filter(|&&l| l == c).count(), 5);
        }
        assert_eq!(rows.len(), 15);
        assert_eq!(rows[7], vec![(5, 1.0)]);
    }
}
