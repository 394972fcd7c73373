//! The `html` format: a self-contained report (no external assets), each
//! statement highlighted by its stance toward a chosen target, every
//! probability on hover, a bar chart per article and the corpus table.

use crate::classify::{ArticleResult, CorpusSummary, StatementResult};
use crate::data::articles::Article;
use crate::output::{StanceCounts, plural};

pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const HTML_STYLE: &str = r#"
body{font:15px/1.55 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2327;background:#f6f7f7}
header{background:#1d2327;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c3c4c7;font-size:13px}
main{max-width:980px;margin:0 auto;padding:16px 24px}
.controls,.legend{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin:8px 0}
.key{display:inline-block;width:14px;height:14px;border-radius:3px;vertical-align:middle;margin-right:4px}
article{background:#fff;border:1px solid #dcdcde;border-radius:6px;padding:14px 18px;margin:16px 0}
article h2{font-size:16px;margin:0 0 8px}
.text{white-space:pre-wrap}
.st{border-radius:3px;padding:1px 0}
.st sup{font-size:10px;color:#50575e;margin-left:2px}
.favor{background:#c6efce}.against{background:#ffc7ce}.none{background:#eef0f2}
.key.favor{background:#8fd19e}.key.against{background:#f28b96}.key.none{background:#d0d4d8}
.bars{display:grid;grid-template-columns:160px 1fr 130px;gap:4px 10px;align-items:center;font-size:13px;margin:6px 0 10px}
.bar{display:flex;height:14px;border-radius:3px;overflow:hidden;background:#eef0f2}
.bar span{display:block;height:100%}
.bar .favor{background:#8fd19e}.bar .against{background:#f28b96}.bar .none{background:#d0d4d8}
.ev.pos{text-decoration:underline 2px #2e7d32}.ev.neg{text-decoration:underline 2px #c62828}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #dcdcde;text-align:left}
"#;

pub(super) fn head(model: &str, targets: &[String]) -> String {
    let options: String = targets
        .iter()
        .enumerate()
        .map(|(i, t)| format!("<option value=\"{i}\">{}</option>", escape(t)))
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>stance report</title><style>{HTML_STYLE}</style></head><body>\n<header><h1>stance report</h1><p>{}</p></header><main>\n<div class=\"controls\"><label>Highlight stance toward <select id=\"target\">{options}</select></label> <span id=\"statement-count\"></span></div>\n<div class=\"legend\"><span><span class=\"key favor\"></span>favor</span><span><span class=\"key against\"></span>against</span><span><span class=\"key none\"></span>none / not mentioned</span><span>Hover a statement for every probability and its evidence; with --explain, words underlined green pushed the stance toward the selected target, red against it.</span></div>\n",
        escape(model)
    )
}

pub(super) fn article(article: &Article, result: &ArticleResult) -> String {
    let mut out = format!(
        "<article data-statements=\"{}\"><h2>{}</h2>\n<div class=\"bars\">",
        result.statements.len(),
        escape(&result.id)
    );
    for s in &result.summary {
        let n = s.mentioning.max(1) as f32;
        let counts = StanceCounts::from(s);
        let net = counts.if_stance(|| format!(", net {:+.2}", s.net_stance));
        let net = match &s.prevalence {
            Some(p) => format!(
                "{net}; corrected net over all statements {:+.2} [{:+.2}, {:+.2}]",
                p.net.corrected, p.net.low, p.net.high
            ),
            None => net,
        };
        out.push_str(&format!(
            "<div>{}</div><div class=\"bar\" title=\"{}\"><span class=\"favor\" style=\"width:{:.1}%\"></span><span class=\"against\" style=\"width:{:.1}%\"></span><span class=\"none\" style=\"width:{:.1}%\"></span></div><div>{} statement{} mentioning{net}</div>",
            escape(&s.target),
            escape(counts.describe().trim_start_matches(": ")),
            100.0 * s.favor as f32 / n,
            100.0 * s.against as f32 / n,
            100.0 * s.none as f32 / n,
            s.mentioning,
            if s.mentioning == 1 { "" } else { "s" },
        ));
    }
    out.push_str("</div>\n<div class=\"text\">");
    if result.statements.is_empty() {
        out.push_str("<em>No statements (empty or whitespace-only article).</em>");
    }
    let text = &article.text;
    let mut pos = 0;
    for st in &result.statements {
        out.push_str(&escape(&text[pos.min(st.start)..st.start]));
        let stances: Vec<String> = st
            .targets
            .iter()
            .map(|t| match &t.stance {
                Some(d) if t.mentioned => d.label.to_string(),
                _ => "none".into(),
            })
            .collect();
        let mut title = String::new();
        for t in &st.targets {
            if !t.mentioned {
                title.push_str(&format!("{}: not mentioned\n", t.target));
                continue;
            }
            for (what, d) in t.decisions() {
                let probs: Vec<String> = d.probabilities.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
                title.push_str(&format!("{}: {what}{} ({})\n", t.target, d.label, probs.join(", ")));
                if !d.evidence.is_empty() {
                    let words: Vec<String> = d
                        .evidence
                        .iter()
                        .map(|e| format!("\"{}\" {:+.2}", e.text, e.contribution))
                        .collect();
                    title.push_str(&format!("  evidence: {}\n", words.join(", ")));
                }
            }
        }
        title.push_str(&format!(
            "sentiment: {} {:.2}",
            st.sentiment.label, st.sentiment.confidence
        ));
        let first = stances.first().cloned().unwrap_or_else(|| "none".into());
        let conf = st
            .targets
            .first()
            .filter(|t| t.mentioned)
            .and_then(|t| t.stance.as_ref())
            .map(|d| format!("<sup>{:.2}</sup>", d.confidence))
            .unwrap_or_default();
        out.push_str(&format!(
            "<span class=\"st {first}\" data-stances=\"{}\" data-confidences=\"{}\" title=\"{}\">{}{conf}</span>",
            stances.join(" "),
            st.targets
                .iter()
                .map(|t| match &t.stance {
                    Some(d) if t.mentioned => format!("{:.2}", d.confidence),
                    _ => String::new(),
                })
                .collect::<Vec<_>>()
                .join(" "),
            escape(&title),
            with_evidence(text, st)
        ));
        pos = st.end;
    }
    out.push_str(&escape(&text[pos.min(text.len())..]));
    out.push_str("</div></article>\n");
    out
}

/// The statement's text, its stance evidence toward each target marked:
/// every run of text inside a target's evidence is a `<span class="ev">`
/// whose `data-ev` lists the targets (by position) and the sign (`0+ 1-`),
/// which the page's script underlines for the selected target. A target's
/// evidence is taken strongest first, leaving out spans that overlap one
/// already taken (a phrase and its words).
fn with_evidence(text: &str, st: &StatementResult) -> String {
    let mut kept: Vec<(usize, usize, usize, bool)> = Vec::new();
    for (t, target) in st.targets.iter().enumerate() {
        let Some(d) = target.stance.as_ref().filter(|_| target.mentioned) else {
            continue;
        };
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for e in &d.evidence {
            if e.start < st.start || e.end > st.end || taken.iter().any(|&(a, b)| e.start < b && a < e.end) {
                continue;
            }
            taken.push((e.start, e.end));
            kept.push((e.start, e.end, t, e.contribution > 0.0));
        }
    }
    if kept.is_empty() {
        return escape(&text[st.start..st.end]);
    }
    let mut cuts: Vec<usize> = kept.iter().flat_map(|&(a, b, _, _)| [a, b]).collect();
    cuts.extend([st.start, st.end]);
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = String::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let marks: Vec<String> = kept
            .iter()
            .filter(|&&(s, e, _, _)| s <= a && b <= e)
            .map(|&(_, _, t, positive)| format!("{t}{}", if positive { '+' } else { '-' }))
            .collect();
        match marks.is_empty() {
            true => out.push_str(&escape(&text[a..b])),
            false => {
                // Painted for the first target, as the page opens.
                let class = match marks.iter().find(|m| m.starts_with("0") && m.len() == 2) {
                    Some(m) if m.ends_with('+') => "ev pos",
                    Some(_) => "ev neg",
                    None => "ev",
                };
                out.push_str(&format!(
                    "<span class=\"{class}\" data-ev=\"{}\">{}</span>",
                    marks.join(" "),
                    escape(&text[a..b])
                ))
            }
        }
    }
    out
}

pub(super) fn tail(corpus: &CorpusSummary) -> String {
    // Sentiment toward targets (a `--sentiment-toward-target` model) gets
    // three more columns; a model without stance leaves the stance ones empty.
    let with_sentiment = corpus.targets.iter().any(|t| t.sentiment.is_some());
    let with_prevalence = corpus.targets.iter().any(|t| t.prevalence.is_some());
    let rows: String = corpus
        .targets
        .iter()
        .map(|t| {
            let counts = StanceCounts::from(t);
            let stance = if counts.has_stance() {
                format!(
                    "<td>{}</td><td>{}</td><td>{}</td><td>{:+.2}</td>",
                    t.favor, t.against, t.none, t.mean_article_net_stance
                )
            } else {
                "<td></td>".repeat(4)
            };
            let sentiment = match (with_sentiment, &t.sentiment) {
                (false, _) => String::new(),
                (true, Some(s)) => format!("<td>{}</td><td>{}</td><td>{}</td>", s.positive, s.negative, s.neutral),
                (true, None) => "<td></td>".repeat(3),
            };
            let corrected = match (with_prevalence, &t.prevalence) {
                (false, _) => String::new(),
                (true, Some(p)) => format!(
                    "<td>{:+.2}</td><td>[{:+.2}, {:+.2}]</td>",
                    p.net.corrected, p.net.low, p.net.high
                ),
                (true, None) => "<td></td>".repeat(2),
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td>{stance}{corrected}{sentiment}</tr>",
                escape(&t.target),
                t.articles_mentioning,
                t.statements_mentioning,
            )
        })
        .collect();
    let corrected_headers = if with_prevalence {
        "<th>corrected net, all statements</th><th>95% interval</th>"
    } else {
        ""
    };
    let sentiment_headers = if with_sentiment {
        "<th>positive toward</th><th>negative toward</th><th>neutral toward</th>"
    } else {
        ""
    };
    format!(
        "<section id=\"corpus\"><h2>Corpus</h2><p>{}, <span id=\"total-statements\">{}</span> {}. The net stance of an article is (favor − against) / statements mentioning the target; the corpus figure averages articles. The corrected net stance is (favor − against) over all statements, corrected for the model's known errors.</p><table><tr><th>target</th><th>articles</th><th>statements</th><th>favor</th><th>against</th><th>none</th><th>mean net</th>{corrected_headers}{sentiment_headers}</tr>{rows}</table></section>\n</main><script>\nconst sel=document.getElementById('target');\nfunction paint(){{const i=+sel.value;document.querySelectorAll('.st').forEach(e=>{{const s=(e.dataset.stances||'').split(' ');const c=(e.dataset.confidences||'').split(' ');e.className='st '+(s[i]||'none');const sup=e.querySelector('sup');if(sup)sup.remove();if(c[i]){{const x=document.createElement('sup');x.textContent=c[i];e.appendChild(x);}}}});document.querySelectorAll('.ev').forEach(e=>{{const m=(e.dataset.ev||'').split(' ').find(x=>x.slice(0,-1)===String(i));e.className='ev'+(m?(m.endsWith('+')?' pos':' neg'):'');}});}}\nsel.addEventListener('change',paint);\nconst n=document.querySelectorAll('.st').length;document.getElementById('statement-count').textContent=n+' statements in '+document.querySelectorAll('article').length+' articles';document.body.dataset.statements=n;\n</script></body></html>\n",
        plural(corpus.articles, "article", "articles"),
        corpus.statements,
        if corpus.statements == 1 {
            "statement"
        } else {
            "statements"
        }
    )
}
