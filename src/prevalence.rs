//! Prevalence: how often a group of statements speaks for or against a
//! target, corrected for the classifier's known errors, with an interval.
//!
//! Counting a classifier's labels passes its lean straight into every
//! table. The estimate here starts from each statement's calibrated
//! probabilities instead, and treats the group's true labels as unknown: a
//! Gibbs sampler draws each statement's label from its probabilities,
//! adjusted for the group's own mix of classes (which has a Dirichlet prior
//! worth [`PRIOR_STATEMENTS`] statements, centred on the calibration
//! sample's mix: a group that says "against" more than the calibration rows
//! is allowed to, but a handful of statements cannot move it far), and
//! draws the group's mix from those labels. To carry the uncertainty of the
//! calibration itself, the sampler runs under each of several refits of the
//! calibration on bootstrap resamples of its sample (a smaller calibration
//! sample gives more spread, so wider intervals). Every draw gives the
//! group's shares of favor, against and none (statements that do not
//! mention the target count as none) and its net stance, favor minus
//! against over all its statements; the estimate is the mean of the draws
//! and the interval their 2.5th to 97.5th percentiles. Seeded: the same
//! group gives the same figures.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};
use serde::Serialize;

use crate::labels::{Label, Stance};
use crate::model::calibration::{Calibration, ScalingMap};

/// The strength of the prior on a group's class mix, in statements.
pub const PRIOR_STATEMENTS: f64 = 10.0;

/// How much work an estimate does: calibration refits, Gibbs sweeps, and
/// how many of the last sweeps give draws.
#[derive(Debug, Clone, Copy)]
pub struct Effort {
    pub replicates: usize,
    pub sweeps: usize,
    pub kept: usize,
}

impl Effort {
    /// For tables an analyst reads (groups, the corpus): 1,000 draws.
    pub const TABLE: Effort = Effort {
        replicates: 100,
        sweeps: 30,
        kept: 10,
    };
    /// For the summary of each article: 100 draws.
    pub const ARTICLE: Effort = Effort {
        replicates: 20,
        sweeps: 15,
        kept: 5,
    };
}

/// Shares of favor, against and none among a group's statements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Shares {
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub favor: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub against: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub none: f64,
}

/// Net stance (favor minus against, over all the group's statements): as
/// counted, as corrected, and the corrected value's 95% interval.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Net {
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub raw: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub corrected: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub low: f64,
    #[serde(serialize_with = "crate::scores::rounded_f64")]
    pub high: f64,
}

/// A group's stance toward one target: counted and corrected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Prevalence {
    /// The group's statements (all of them, mentioning the target or not).
    pub statements: usize,
    /// Statements that mention the target.
    pub mentioning: usize,
    /// Shares of the classifier's labels.
    pub raw: Shares,
    /// Shares corrected for its known errors.
    pub corrected: Shares,
    pub net: Net,
}

/// What estimates toward one target need: the calibration's refits and the
/// prior's centre, in label order ([`Stance::ALL`]).
#[derive(Debug, Clone)]
pub struct Estimator {
    /// Refits of the calibration (the first is the identity), each mapping
    /// calibrated probabilities in label order.
    maps: Vec<ScalingMap>,
    prior: [f64; 3],
}

impl Estimator {
    /// The estimator of a stance classifier whose classes are `classes`
    /// and whose calibration is `calibration`, with `replicates` refits.
    pub fn new(calibration: &Calibration, classes: &[String], replicates: usize, seed: u64) -> Estimator {
        // Position of each label among the classifier's classes.
        let position: Vec<Option<usize>> = Stance::ALL
            .iter()
            .map(|l| classes.iter().position(|c| c == l.name()))
            .collect();
        let shares = calibration.class_shares();
        let mut prior = [0f64; 3];
        for (l, p) in position.iter().enumerate() {
            prior[l] = p.map_or(0.0, |i| shares[i]).max(1e-3);
        }
        let total: f64 = prior.iter().sum();
        prior.iter_mut().for_each(|p| *p /= total);
        let maps = calibration
            .replicates(replicates, seed)
            .into_iter()
            .map(|m| ScalingMap {
                weights: position.iter().map(|p| p.map_or(1.0, |i| m.weights[i])).collect(),
                biases: position.iter().map(|p| p.map_or(0.0, |i| m.biases[i])).collect(),
            })
            .collect();
        Estimator { maps, prior }
    }

    /// The prevalence in a group of `statements` statements, of which
    /// `mentioning` mention the target: each its classifier's label and
    /// calibrated probabilities in label order. `seed` names the group.
    pub fn estimate(
        &self,
        statements: usize,
        mentioning: &[(Stance, [f32; 3])],
        effort: Effort,
        seed: u64,
    ) -> Prevalence {
        self.estimate_with_draws(statements, mentioning, effort, seed).0
    }

    /// [`Estimator::estimate`], with the net stance of every draw, in draw
    /// order: `effort.kept` draws under each calibration refit in turn, so
    /// two groups' draws pair up refit by refit ([`Change::between`]).
    pub fn estimate_with_draws(
        &self,
        statements: usize,
        mentioning: &[(Stance, [f32; 3])],
        effort: Effort,
        seed: u64,
    ) -> (Prevalence, NetDraws) {
        let n = statements.max(1) as f64;
        let mut counted = [0usize; 3];
        for (label, _) in mentioning {
            counted[label.index()] += 1;
        }
        let raw_none = statements - mentioning.len() + counted[2];
        let raw = Shares {
            favor: counted[0] as f64 / n,
            against: counted[1] as f64 / n,
            none: raw_none as f64 / n,
        };
        let raw_net = (counted[0] as f64 - counted[1] as f64) / n;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut draws: Vec<[f64; 3]> = Vec::with_capacity(effort.replicates.min(self.maps.len()) * effort.kept);
        for map in self.maps.iter().take(effort.replicates) {
            let probs: Vec<[f64; 3]> = mentioning
                .iter()
                .map(|(_, q)| {
                    let r = map.apply(q);
                    [r[0] as f64, r[1] as f64, r[2] as f64]
                })
                .collect();
            let mut mix = self.prior;
            for sweep in 0..effort.sweeps {
                let mut counts = [0f64; 3];
                for q in &probs {
                    let w = [
                        q[0] * mix[0] / self.prior[0],
                        q[1] * mix[1] / self.prior[1],
                        q[2] * mix[2] / self.prior[2],
                    ];
                    let u = rng.r#gen::<f64>() * (w[0] + w[1] + w[2]);
                    let z = if u < w[0] {
                        0
                    } else if u < w[0] + w[1] {
                        1
                    } else {
                        2
                    };
                    counts[z] += 1.0;
                }
                mix = dirichlet(
                    &mut rng,
                    [
                        PRIOR_STATEMENTS * self.prior[0] + counts[0],
                        PRIOR_STATEMENTS * self.prior[1] + counts[1],
                        PRIOR_STATEMENTS * self.prior[2] + counts[2],
                    ],
                );
                if sweep + effort.kept >= effort.sweeps {
                    let none = counts[2] + (statements - mentioning.len()) as f64;
                    draws.push([counts[0] / n, counts[1] / n, none / n]);
                }
            }
        }
        let mean = |c: usize| draws.iter().map(|d| d[c]).sum::<f64>() / draws.len().max(1) as f64;
        let nets = NetDraws {
            raw: raw_net,
            draws: draws.iter().map(|d| d[0] - d[1]).collect(),
        };
        let (low, high) = interval(&nets.draws);
        let corrected = Shares {
            favor: mean(0),
            against: mean(1),
            none: mean(2),
        };
        let prevalence = Prevalence {
            statements,
            mentioning: mentioning.len(),
            raw,
            corrected,
            net: Net {
                raw: raw_net,
                corrected: corrected.favor - corrected.against,
                low,
                high,
            },
        };
        (prevalence, nets)
    }
}

/// A group's net stance toward a target as counted, and as each draw of
/// the estimate has it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetDraws {
    pub raw: f64,
    pub draws: Vec<f64>,
}

/// The 2.5th and 97.5th percentiles of `values`.
fn interval(values: &[f64]) -> (f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let quantile = |q: f64| match sorted.len() {
        0 => 0.0,
        len => sorted[((q * (len - 1) as f64).round() as usize).min(len - 1)],
    };
    (quantile(0.025), quantile(0.975))
}

/// How a group's net stance changed from an earlier group's (the same
/// outlet a period before): counted, corrected, and the corrected change's
/// 95% interval. Two intervals that overlap do not mean "no change", and
/// two that do not overlap overstate it when both groups share the
/// calibration's uncertainty, so the change has an interval of its own:
/// the draws of the two estimates are paired refit by refit (both groups
/// corrected by the same refit of the calibration) and subtracted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The earlier group's key (its `date` bucket for a period).
    pub from: String,
    /// The change: counted, corrected, and the corrected change's interval.
    #[serde(flatten)]
    pub net: Net,
}

impl Change {
    /// The change from `before` (named `from`) to `after`, both estimated
    /// by the same estimator with the same effort.
    pub fn between(from: String, before: &NetDraws, after: &NetDraws) -> Change {
        let differences: Vec<f64> = after.draws.iter().zip(&before.draws).map(|(a, b)| a - b).collect();
        let (low, high) = interval(&differences);
        Change {
            from,
            net: Net {
                raw: after.raw - before.raw,
                corrected: differences.iter().sum::<f64>() / differences.len().max(1) as f64,
                low,
                high,
            },
        }
    }
}

/// A draw from a Dirichlet distribution with parameters `alpha`.
fn dirichlet(rng: &mut ChaCha8Rng, alpha: [f64; 3]) -> [f64; 3] {
    let mut x = [0f64; 3];
    for (xi, &a) in x.iter_mut().zip(&alpha) {
        *xi = Gamma::new(a.max(1e-9), 1.0).map_or(0.0, |g| g.sample(rng)).max(1e-300);
    }
    let total: f64 = x.iter().sum();
    x.map(|v| v / total)
}

/// A seed for a group named by `parts` (deterministic across runs).
pub fn group_seed(parts: &[&str]) -> u64 {
    parts.iter().fold(0xcbf29ce484222325u64, |h, p| {
        p.bytes()
            .chain(std::iter::once(0xff))
            .fold(h, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::calibration::CalibrationMethod;

    /// Probabilities of a classifier that leans toward `against` (its logit
    /// gets 1 extra), for a statement of class `gold`.
    fn leaning(rng: &mut ChaCha8Rng, gold: usize) -> Vec<f32> {
        let mut logits = [0f64; 3];
        for (c, l) in logits.iter_mut().enumerate() {
            *l = rng.r#gen::<f64>() * 1.6 + if c == gold { 1.4 } else { 0.0 } + if c == 1 { 1.0 } else { 0.0 };
        }
        let max = logits.iter().copied().fold(f64::MIN, f64::max);
        let e: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
        let t: f64 = e.iter().sum();
        e.iter().map(|v| (v / t) as f32).collect()
    }

    fn draw_gold(rng: &mut ChaCha8Rng, mix: [f64; 3]) -> usize {
        let u = rng.r#gen::<f64>();
        if u < mix[0] {
            0
        } else if u < mix[0] + mix[1] {
            1
        } else {
            2
        }
    }

    #[test]
    fn the_corrected_estimate_recovers_a_known_prevalence_where_counting_does_not() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        // The calibration sample: 800 held-out rows of a balanced mix.
        let gold: Vec<usize> = (0..800).map(|_| draw_gold(&mut rng, [0.3, 0.3, 0.4])).collect();
        let probs: Vec<Vec<f32>> = gold.iter().map(|&g| leaning(&mut rng, g)).collect();
        let calibration = Calibration::fit(CalibrationMethod::Vector, &gold, &probs, "test".into()).unwrap();
        let classes = Stance::ALL.map(|l| l.name().to_string()).to_vec();
        let estimator = Estimator::new(&calibration, &classes, 40, 1);
        // 60 groups of 60 statements (20 of them not mentioning the target),
        // each with its own true mix.
        let (mut raw_error, mut corrected_error, mut covered) = (0f64, 0f64, 0);
        let groups = 60;
        for group in 0..groups {
            let f = 0.1 + 0.5 * (group as f64 / groups as f64);
            let mix = [f, 0.8 - f, 0.2];
            let mut rows = Vec::new();
            let (mut true_net, mut uncalibrated_net) = (0f64, 0f64);
            let sign = |c: usize| match c {
                0 => 1.0,
                1 => -1.0,
                _ => 0.0,
            };
            for _ in 0..40 {
                let g = draw_gold(&mut rng, mix);
                true_net += sign(g);
                let raw = leaning(&mut rng, g);
                // What a table counting the classifier's own labels shows.
                uncalibrated_net += sign(crate::scores::argmax(&raw));
                let q = calibration.apply(&raw);
                let label = Stance::ALL[crate::scores::argmax(&q)];
                rows.push((label, [q[0], q[1], q[2]]));
            }
            let (true_net, uncalibrated_net) = (true_net / 60.0, uncalibrated_net / 60.0);
            let p = estimator.estimate(60, &rows, Effort::TABLE, group_seed(&["g", &group.to_string()]));
            raw_error += (uncalibrated_net - true_net).abs();
            corrected_error += (p.net.corrected - true_net).abs();
            if p.net.low <= true_net && true_net <= p.net.high {
                covered += 1;
            }
            assert!(p.net.low <= p.net.corrected && p.net.corrected <= p.net.high, "{p:?}");
            let total = p.corrected.favor + p.corrected.against + p.corrected.none;
            assert!((total - 1.0).abs() < 1e-9, "{p:?}");
        }
        let (raw_error, corrected_error) = (raw_error / groups as f64, corrected_error / groups as f64);
        assert!(covered as f64 >= 0.85 * groups as f64, "covered {covered} of {groups}");
        assert!(corrected_error < raw_error / 2.0, "{corrected_error} vs {raw_error}");
        // Same group, same seed: same figures.
        let rows = vec![(Stance::Against, [0.2f32, 0.7, 0.1]); 5];
        assert_eq!(
            estimator.estimate(9, &rows, Effort::ARTICLE, 3),
            estimator.estimate(9, &rows, Effort::ARTICLE, 3)
        );
    }

    /// A group's change from another: pairs of groups of 60 statements, the
    /// second's mix 0.3 more favor and 0.3 less against than the first's in
    /// half the pairs and the same in the others. The change's interval
    /// covers the true change (of the drawn labels, the same estimand as
    /// gold counts) in most pairs, and finds the shifted pairs' rise. (It
    /// may exclude 0 for an unchanged mix: two groups of 60 drawn from one
    /// mix differ by chance, and the table describes the statements.) The
    /// calibration is fitted on 150 rows, so its refits differ.
    #[test]
    fn the_change_between_two_groups_has_its_own_interval() {
        const SAMPLE: usize = 150;
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let gold: Vec<usize> = (0..SAMPLE).map(|_| draw_gold(&mut rng, [0.3, 0.3, 0.4])).collect();
        let probs: Vec<Vec<f32>> = gold.iter().map(|&g| leaning(&mut rng, g)).collect();
        let calibration = Calibration::fit(CalibrationMethod::Vector, &gold, &probs, "test".into()).unwrap();
        let classes = Stance::ALL.map(|l| l.name().to_string()).to_vec();
        let estimator = Estimator::new(&calibration, &classes, 40, 1);
        let sign = |c: usize| match c {
            0 => 1.0,
            1 => -1.0,
            _ => 0.0,
        };
        let group = |rng: &mut ChaCha8Rng, mix: [f64; 3], name: String| {
            let mut rows = Vec::new();
            let mut true_net = 0f64;
            for _ in 0..60 {
                let g = draw_gold(rng, mix);
                true_net += sign(g);
                let q = calibration.apply(&leaning(rng, g));
                rows.push((Stance::ALL[crate::scores::argmax(&q)], [q[0], q[1], q[2]]));
            }
            let (p, draws) = estimator.estimate_with_draws(60, &rows, Effort::TABLE, group_seed(&[&name]));
            (true_net / 60.0, p, draws)
        };
        let pairs = 40;
        let (mut covered, mut shifts_found) = (0, 0);
        let (mut paired_width, mut unpaired_width) = (0f64, 0f64);
        for pair in 0..pairs {
            let shifted = pair % 2 == 0;
            let (before_true, before, before_draws) = group(&mut rng, [0.2, 0.4, 0.4], format!("{pair}a"));
            let after_mix = if shifted { [0.5, 0.1, 0.4] } else { [0.2, 0.4, 0.4] };
            let (after_true, after, after_draws) = group(&mut rng, after_mix, format!("{pair}b"));
            let change = Change::between("before".into(), &before_draws, &after_draws);
            let mut unpaired = before_draws.clone();
            unpaired.draws.reverse();
            let unpaired = Change::between("before".into(), &unpaired, &after_draws);
            let (change, unpaired) = (change.net, unpaired.net);
            paired_width += change.high - change.low;
            unpaired_width += unpaired.high - unpaired.low;
            let truth = after_true - before_true;
            assert!(
                (change.corrected - (after.net.corrected - before.net.corrected)).abs() < 1e-9,
                "{change:?}"
            );
            assert!(
                (change.raw - (after.net.raw - before.net.raw)).abs() < 1e-9,
                "{change:?}"
            );
            assert!(
                change.low <= change.corrected && change.corrected <= change.high,
                "{change:?}"
            );
            covered += (change.low <= truth && truth <= change.high) as usize;
            if shifted {
                shifts_found += (change.low > 0.0) as usize;
            }
        }
        assert!(covered as f64 >= 0.85 * pairs as f64, "covered {covered} of {pairs}");
        // A shift of +0.6 in the mix's net stance is found (the interval
        // above 0) in most shifted pairs.
        assert!(shifts_found >= pairs / 2 - 3, "found {shifts_found} of {}", pairs / 2);
        // Both groups corrected by the same refit of a calibration fitted on
        // few rows: pairing the draws refit by refit cancels the uncertainty
        // they share, so the change's interval is narrower than unpaired.
        assert!(paired_width < unpaired_width, "{paired_width} vs {unpaired_width}");
    }
}
