//! Joint fitting: one classifier per target, fitted together so that what
//! signals stance in general is learned from every target's rows.
//!
//! A per-target classifier sees only its own target's rows (a few hundred in
//! SemEval), so a cue that means "against" for every target ("disgrace",
//! "shame on") must be learned again for each one. Feature augmentation
//! (Daumé III, "Frustratingly easy domain adaptation", 2007) fits one model
//! on rows extended to `[s·x, x in its target's block, 1 in its target's
//! intercept column]`: every target's weights are a shared part plus its own
//! part, both penalised, so a target departs from the shared part only where
//! its rows say so. The fitted model is still one linear classifier per
//! target (`s·w_shared + w_target`), so classification is unchanged.
//!
//! The augmented matrix is `(1 + targets)` times as wide as the vocabulary,
//! and linfa fits dense matrices only. But an L2-penalised linear model's
//! weights lie in the span of its rows, so the fit can run in an `n`-column
//! basis of that span instead (`n` rows): with the kernel matrix `K = X Xᵀ`
//! (computed from the sparse rows) and its Cholesky factor `K = L Lᵀ`, the
//! rows of `L` are the rows of `X` in an orthonormal basis, and the penalty
//! `‖W‖²` is the same in both. linfa fits `L`; the weights over terms come
//! back as `W = Xᵀ L⁻ᵀ Γ`. A tiny ridge on the diagonal keeps the factor
//! defined when rows repeat.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::features::vectorize::SparseVec;
use crate::model::logistic::{LinearClassifier, LogisticParams, balance_classes};

/// `s²`: the weight of the shared copy of the features against a target's
/// own copy (`s = 1`, as in the paper: shared and own parts are penalised
/// alike).
const SHARED_WEIGHT: f64 = 1.0;

/// Ridge added to the kernel's diagonal, relative to its mean diagonal.
const RELATIVE_RIDGE: f64 = 1e-8;

/// The rows of a joint problem in the kernel basis: the Cholesky factor of
/// their augmented kernel. It depends on the rows and their groups only, so
/// cross-validation computes it once per fold and fits every candidate
/// alpha (and row weight) on it; and since a Cholesky factor is computed
/// row by row, rows appended later ([`extend`](Self::extend)) leave the
/// earlier rows' factor as it is.
#[derive(Clone)]
pub(crate) struct JointBasis {
    rows: Vec<SparseVec>,
    groups: Vec<usize>,
    n_groups: usize,
    n_features: usize,
    /// Row `i` holds columns `0..=i` of the lower factor `L`.
    factor: Vec<Vec<f64>>,
    /// The ridge the factor was computed with.
    ridge: f64,
}

impl JointBasis {
    /// Factors the augmented kernel of `rows`; `groups[i] < n_groups` is row
    /// `i`'s group.
    pub(crate) fn new(rows: Vec<SparseVec>, groups: Vec<usize>, n_groups: usize, n_features: usize) -> Result<Self> {
        if groups.len() != rows.len() || groups.iter().any(|&g| g >= n_groups) {
            return Err(Error::Training("joint fit: rows and groups disagree".into()));
        }
        if rows.is_empty() {
            return Err(Error::Training("joint fit: no rows".into()));
        }
        let (factor, ridge) = cholesky_of_kernel(&rows, &groups, n_features)?;
        Ok(JointBasis {
            rows,
            groups,
            n_groups,
            n_features,
            factor,
            ridge,
        })
    }

    /// The basis of these rows followed by `rows` (in `groups`): only the
    /// new rows' part of the factor is computed (or, should it fail at this
    /// ridge, the whole factor again).
    pub(crate) fn extend(&self, rows: Vec<SparseVec>, groups: Vec<usize>) -> Result<JointBasis> {
        if groups.len() != rows.len() || groups.iter().any(|&g| g >= self.n_groups) {
            return Err(Error::Training("joint fit: rows and groups disagree".into()));
        }
        let mut all_rows = self.rows.clone();
        all_rows.extend(rows);
        let mut all_groups = self.groups.clone();
        all_groups.extend(groups);
        let kernel = kernel_rows(&all_rows, &all_groups, self.n_features, self.rows.len())?;
        let mut factor = self.factor.clone();
        if cholesky_extend(&mut factor, kernel, self.ridge) {
            return Ok(JointBasis {
                rows: all_rows,
                groups: all_groups,
                factor,
                ..*self
            });
        }
        JointBasis::new(all_rows, all_groups, self.n_groups, self.n_features)
    }

    /// Fits one classifier per group. Every class must occur among the
    /// labels, not in every group. Row `i` counts `weights[i]` times in the
    /// loss (its basis row is repeated; all 1 without `weights`). With
    /// `balance`, each group's classes are weighted equally (rows of a
    /// group's smaller classes are repeated). Returns the classifiers in
    /// group order; a group without rows gets the shared part alone.
    pub(crate) fn fit(
        &self,
        labels: &[usize],
        classes: Vec<String>,
        params: &LogisticParams,
        balance: bool,
        weights: Option<&[u32]>,
    ) -> Result<Vec<LinearClassifier>> {
        let (rows, groups, factor) = (&self.rows, &self.groups, &self.factor);
        let (n, n_groups, n_features) = (rows.len(), self.n_groups, self.n_features);
        if labels.len() != n {
            return Err(Error::Training("joint fit: rows and labels disagree".into()));
        }

        // The rows in the orthonormal basis, fitted by linfa.
        let mut basis_rows: Vec<SparseVec> = factor
            .iter()
            .map(|row| row.iter().enumerate().map(|(j, &v)| (j as u32, v as f32)).collect())
            .collect();
        let mut fit_labels = labels.to_vec();
        if let Some(weights) = weights {
            repeat_rows(&mut basis_rows, &mut fit_labels, weights);
        }
        if balance {
            let fit_groups: Vec<usize> = match weights {
                Some(w) => groups
                    .iter()
                    .zip(w)
                    .flat_map(|(&g, &w)| std::iter::repeat_n(g, w as usize))
                    .collect(),
                None => groups.to_vec(),
            };
            balance_classes(&mut basis_rows, &mut fit_labels, &fit_groups, classes.len());
        }
        let k = classes.len();
        let basis_fit = LinearClassifier::fit(&basis_rows, &fit_labels, classes.clone(), n, params)?;
        drop(basis_rows);

        // Dual coefficients: solve Lᵀ A = Γ, one column per class.
        let mut dual = vec![0f64; n * k];
        for i in 0..n {
            for c in 0..k {
                dual[i * k + c] = basis_fit.weight(i, c) as f64;
            }
        }
        for i in (0..n).rev() {
            let row = &factor[i];
            for c in 0..k {
                dual[i * k + c] /= row[i];
            }
            let (before, at) = dual.split_at_mut(i * k);
            let a_i = &at[..k];
            for (j, &l) in row[..i].iter().enumerate() {
                for c in 0..k {
                    before[j * k + c] -= l * a_i[c];
                }
            }
        }

        // Weights over terms: s²·Σ_i A_i x_i (shared) + Σ_{i in group} A_i x_i.
        let mut shared = vec![0f64; n_features * k];
        let mut own = vec![vec![0f64; n_features * k]; n_groups];
        let mut own_intercept = vec![vec![0f64; k]; n_groups];
        for (i, row) in rows.iter().enumerate() {
            let a_i = &dual[i * k..(i + 1) * k];
            let g = groups[i];
            for &(f, v) in row {
                for c in 0..k {
                    let add = v as f64 * a_i[c];
                    shared[f as usize * k + c] += add;
                    own[g][f as usize * k + c] += add;
                }
            }
            for c in 0..k {
                own_intercept[g][c] += a_i[c];
            }
        }
        let intercepts = basis_fit.intercepts();
        (0..n_groups)
            .map(|g| {
                let weights = shared
                    .iter()
                    .zip(&own[g])
                    .map(|(s, o)| (SHARED_WEIGHT * s + o) as f32)
                    .collect();
                let group_intercepts = (0..k)
                    .map(|c| (intercepts[c] as f64 + own_intercept[g][c]) as f32)
                    .collect();
                LinearClassifier::from_weights(
                    classes.clone(),
                    n_features,
                    weights,
                    group_intercepts,
                    basis_fit.diagnostics().clone(),
                )
            })
            .collect()
    }
}

/// The lower Cholesky factor (rows `0..=i` of row `i`) of the augmented
/// kernel `K_ij = (s² + [g_i = g_j]) x_i·x_j + [g_i = g_j]` plus a small
/// ridge, raised until the factorisation succeeds; and that ridge.
fn cholesky_of_kernel(rows: &[SparseVec], groups: &[usize], n_features: usize) -> Result<(Vec<Vec<f64>>, f64)> {
    let kernel = kernel_rows(rows, groups, n_features, 0)?;
    let mean_diagonal = kernel.iter().map(|r| r[r.len() - 1]).sum::<f64>() / rows.len() as f64;
    let mut ridge = RELATIVE_RIDGE * mean_diagonal.max(1.0);
    for _ in 0..4 {
        let mut factor = Vec::with_capacity(rows.len());
        if cholesky_extend(&mut factor, kernel.clone(), ridge) {
            return Ok((factor, ridge));
        }
        ridge *= 100.0;
    }
    Err(Error::Training(
        "joint fit: the kernel matrix is not positive definite (non-finite features?)".into(),
    ))
}

/// Rows `from..` of the lower triangle of the augmented kernel of `rows`
/// (row `i` holds columns `0..=i`).
fn kernel_rows(rows: &[SparseVec], groups: &[usize], n_features: usize, from: usize) -> Result<Vec<Vec<f64>>> {
    // Postings: for each feature, the rows holding it, in row order.
    let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n_features];
    for (i, row) in rows.iter().enumerate() {
        for &(f, v) in row {
            let list = postings.get_mut(f as usize).ok_or_else(|| {
                Error::Training(format!("joint fit: feature {f} is beyond the {n_features} features"))
            })?;
            list.push((i as u32, v));
        }
    }
    Ok((from..rows.len())
        .into_par_iter()
        .map(|i| {
            let mut acc = vec![0f64; i + 1];
            for &(f, v) in &rows[i] {
                for &(j, w) in &postings[f as usize] {
                    if j as usize > i {
                        break;
                    }
                    acc[j as usize] += v as f64 * w as f64;
                }
            }
            for (j, a) in acc.iter_mut().enumerate() {
                let same = if groups[i] == groups[j] { 1.0 } else { 0.0 };
                *a = *a * (SHARED_WEIGHT + same) + same;
            }
            acc
        })
        .collect())
}

/// Continues the Cholesky factorisation of `factor` (the factor of the
/// kernel's leading rows) with the kernel's next rows `rows` (lower
/// triangle, row `i` holding columns `0..=i`), `ridge` added to the
/// diagonal. False when a pivot is not positive (`factor` is then partly
/// extended and should be dropped).
fn cholesky_extend(factor: &mut Vec<Vec<f64>>, rows: Vec<Vec<f64>>, ridge: f64) -> bool {
    for mut row in rows {
        let i = factor.len();
        for j in 0..i {
            let prior = &factor[j];
            row[j] = (row[j] - dot(&row[..j], &prior[..j])) / prior[j];
        }
        let pivot = row[i] + ridge - dot(&row[..i], &row[..i]);
        if !(pivot > 0.0 && pivot.is_finite()) {
            return false;
        }
        row[i] = pivot.sqrt();
        factor.push(row);
    }
    true
}

/// Repeats row `i` (and its label) so that it occurs `weights[i]` times,
/// the copies after the original rows, in row order.
pub(crate) fn repeat_rows<T: Clone>(rows: &mut Vec<T>, labels: &mut Vec<usize>, weights: &[u32]) {
    for i in 0..weights.len() {
        for _ in 1..weights[i] {
            rows.push(rows[i].clone());
            labels.push(labels[i]);
        }
    }
}

/// Dot product with independent partial sums, which the compiler turns into
/// vector instructions (a single running sum cannot be reordered).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut partial = [0f64; 8];
    let chunks_a = a.chunks_exact(8);
    let chunks_b = b.chunks_exact(8);
    let tail: f64 = chunks_a
        .remainder()
        .iter()
        .zip(chunks_b.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in chunks_a.zip(chunks_b) {
        for l in 0..8 {
            partial[l] += x[l] * y[l];
        }
    }
    partial.iter().sum::<f64>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`JointBasis::new`] then [`JointBasis::fit`], as training does.
    #[allow(clippy::too_many_arguments)]
    fn fit(
        rows: &[SparseVec],
        labels: &[usize],
        groups: &[usize],
        n_groups: usize,
        classes: Vec<String>,
        n_features: usize,
        params: &LogisticParams,
        balance: bool,
    ) -> Result<Vec<LinearClassifier>> {
        JointBasis::new(rows.to_vec(), groups.to_vec(), n_groups, n_features)?
            .fit(labels, classes, params, balance, None)
    }

    /// A Cholesky factorisation from scratch.
    fn cholesky(m: Vec<Vec<f64>>, ridge: f64) -> Option<Vec<Vec<f64>>> {
        let mut factor = Vec::new();
        cholesky_extend(&mut factor, m, ridge).then_some(factor)
    }

    /// Rows over 5 features in two groups, where feature 0 means class 0 in
    /// both groups and feature 1 means class 1 only in group 0.
    fn problem() -> (Vec<SparseVec>, Vec<usize>, Vec<usize>) {
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        let mut groups = Vec::new();
        for r in 0..24u32 {
            let g = (r % 2) as usize;
            let label = (r % 3) as usize;
            let mut row: SparseVec = vec![
                (label as u32 * 2 % 5, 1.0),
                (2 + r % 3, 0.5),
                (4, 0.25 * (r % 4) as f32),
            ];
            if g == 1 && label == 1 {
                row.push((1, 0.7));
            }
            row.sort_by_key(|e| e.0);
            row.dedup_by_key(|e| e.0);
            rows.push(row);
            labels.push(label);
            groups.push(g);
        }
        // A repeated row: the kernel is singular without the ridge.
        rows.push(rows[0].clone());
        labels.push(labels[0]);
        groups.push(groups[0]);
        (rows, labels, groups)
    }

    fn tight() -> LogisticParams {
        LogisticParams {
            alpha: 0.5,
            max_iterations: 500,
            relative_tolerance: 1e-6,
            max_restarts: 5,
        }
    }

    fn classes() -> Vec<String> {
        ["a", "b", "c"].map(String::from).to_vec()
    }

    #[test]
    fn equals_the_fit_on_explicitly_augmented_rows() {
        let (rows, labels, groups) = problem();
        let (n_features, n_groups) = (5usize, 2usize);
        let joint = fit(
            &rows,
            &labels,
            &groups,
            n_groups,
            classes(),
            n_features,
            &tight(),
            false,
        )
        .unwrap();

        // The same model fitted the slow way: [s·x | x in the group's block |
        // 1 in the group's intercept column].
        let width = n_features * (1 + n_groups) + n_groups;
        let augmented: Vec<SparseVec> = rows
            .iter()
            .zip(&groups)
            .map(|(row, &g)| {
                let mut out: SparseVec = row.iter().map(|&(f, v)| (f, v * SHARED_WEIGHT.sqrt() as f32)).collect();
                out.extend(row.iter().map(|&(f, v)| ((n_features * (1 + g)) as u32 + f, v)));
                out.push(((n_features * (1 + n_groups) + g) as u32, 1.0));
                out
            })
            .collect();
        let primal = LinearClassifier::fit(&augmented, &labels, classes(), width, &tight()).unwrap();
        for (row, aug) in rows.iter().zip(&augmented) {
            for (g, fitted) in joint.iter().enumerate() {
                let mut moved = aug[..row.len()].to_vec();
                moved.extend(row.iter().map(|&(f, v)| ((n_features * (1 + g)) as u32 + f, v)));
                moved.push(((n_features * (1 + n_groups) + g) as u32, 1.0));
                let expected = primal.probabilities(&moved);
                let got = fitted.probabilities(row);
                for (e, o) in expected.iter().zip(&got) {
                    assert!((e - o).abs() < 2e-3, "group {g}: {expected:?} vs {got:?}");
                }
            }
        }
    }

    #[test]
    fn learns_a_group_specific_cue() {
        let (rows, labels, groups) = problem();
        let joint = fit(&rows, &labels, &groups, 2, classes(), 5, &tight(), true).unwrap();
        // Feature 1 is a class-1 cue in group 1 only.
        assert!(joint[1].weight(1, 1) > joint[0].weight(1, 1));
        assert!(joint.iter().all(|c| c.diagnostics().converged));
    }

    #[test]
    fn one_basis_fits_every_alpha_as_a_fresh_one_does() {
        // Cross-validation factors a fold once and fits each alpha on it.
        let (rows, labels, groups) = problem();
        let basis = JointBasis::new(rows.clone(), groups.clone(), 2, 5).unwrap();
        for alpha in [0.3, 0.01, 0.3] {
            let params = LogisticParams { alpha, ..tight() };
            let reused = basis.fit(&labels, classes(), &params, false, None).unwrap();
            let fresh = fit(&rows, &labels, &groups, 2, classes(), 5, &params, false).unwrap();
            for (r, f) in reused.iter().zip(&fresh) {
                for row in &rows {
                    assert_eq!(r.scores(row), f.scores(row), "alpha {alpha}");
                }
            }
        }
    }

    #[test]
    fn factorises_a_kernel_exactly() {
        let m = vec![vec![4.0], vec![2.0, 5.0], vec![-2.0, 1.0, 6.0]];
        let l = cholesky(m.clone(), 0.0).unwrap();
        for i in 0..3 {
            for j in 0..=i {
                let product: f64 = (0..=j).map(|k| l[i][k] * l[j][k]).sum();
                assert!((product - m[i][j]).abs() < 1e-12);
            }
        }
        assert!(cholesky(vec![vec![1.0], vec![2.0, 1.0]], 0.0).is_none());
    }

    #[test]
    fn rejects_mismatched_inputs() {
        let (rows, labels, groups) = problem();
        assert!(fit(&rows, &labels[1..], &groups, 2, classes(), 5, &tight(), false).is_err());
        assert!(fit(&rows, &labels, &groups, 1, classes(), 5, &tight(), false).is_err());
        assert!(fit(&rows, &labels, &groups, 2, classes(), 3, &tight(), false).is_err());
    }

    #[test]
    fn an_extended_basis_is_the_basis_of_all_its_rows() {
        let (rows, labels, groups) = problem();
        let whole = JointBasis::new(rows.clone(), groups.clone(), 2, 5).unwrap();
        let first = JointBasis::new(rows[..15].to_vec(), groups[..15].to_vec(), 2, 5).unwrap();
        let extended = first.extend(rows[15..].to_vec(), groups[15..].to_vec()).unwrap();
        assert_eq!(extended.groups, groups);
        // Equal but for the ridge, which scales with the mean diagonal of
        // the rows factored first.
        for (a, b) in whole.factor.iter().zip(&extended.factor) {
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() < 1e-6, "{x} vs {y}");
            }
        }
        let params = tight();
        let a = whole.fit(&labels, classes(), &params, false, None).unwrap();
        let b = extended.fit(&labels, classes(), &params, false, None).unwrap();
        for (ca, cb) in a.iter().zip(&b) {
            for (p, q) in ca.probabilities(&rows[3]).iter().zip(cb.probabilities(&rows[3])) {
                assert!((p - q).abs() < 1e-4, "{p} vs {q}");
            }
        }
    }

    #[test]
    fn a_weight_counts_as_repeated_rows() {
        let (rows, labels, groups) = problem();
        let weights: Vec<u32> = (0..rows.len()).map(|i| if i % 5 == 0 { 3 } else { 1 }).collect();
        let basis = JointBasis::new(rows.clone(), groups.clone(), 2, 5).unwrap();
        let weighted = basis.fit(&labels, classes(), &tight(), false, Some(&weights)).unwrap();
        // The same rows written out as often as their weight says.
        let (mut r2, mut l2, mut g2) = (rows.clone(), labels.clone(), groups.clone());
        for (i, &w) in weights.iter().enumerate() {
            for _ in 1..w {
                r2.push(rows[i].clone());
                l2.push(labels[i]);
                g2.push(groups[i]);
            }
        }
        let repeated = fit(&r2, &l2, &g2, 2, classes(), 5, &tight(), false).unwrap();
        for (cw, cr) in weighted.iter().zip(&repeated) {
            for row in &rows {
                for (p, q) in cw.probabilities(row).iter().zip(cr.probabilities(row)) {
                    assert!((p - q).abs() < 2e-3, "{p} vs {q}");
                }
            }
        }
        // And it changes the fit.
        let unweighted = basis.fit(&labels, classes(), &tight(), false, None).unwrap();
        assert_ne!(
            unweighted[0].probabilities(&rows[0]),
            weighted[0].probabilities(&rows[0])
        );
    }
}
