//! Aggregate tables ([`crate::aggregate`]) in four formats: `table` for a
//! terminal, `csv` (one row per group and target) for spreadsheets, `json`
//! for programs, and `html`, a self-contained page drawing each group's
//! net stance with its interval. With a period, each shows every group's
//! change since its previous period, with that change's own interval.
//!
//! Shares and net stance are printed with four decimals in `json` and
//! `csv` ([`crate::scores::DECIMALS`]), two in `table` and `html`.

use std::io::Write;

use serde_json::Value;

use crate::aggregate::{Aggregate, Group, TargetFigures};
use crate::output::html::escape;
use crate::output::plural;
use crate::prevalence::Change;
use crate::scores::round_figure;

/// How an aggregate is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AggregateFormat {
    Table,
    Csv,
    Json,
    Html,
}

/// Writes `aggregate` to `out` in `format`.
pub fn write_aggregate(aggregate: &Aggregate, format: AggregateFormat, out: &mut impl Write) -> std::io::Result<()> {
    match format {
        AggregateFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, aggregate).map_err(std::io::Error::other)?;
            writeln!(out)
        }
        AggregateFormat::Csv => csv(aggregate, out),
        AggregateFormat::Table => table(aggregate, out),
        AggregateFormat::Html => out.write_all(html(aggregate).as_bytes()),
    }
}

/// A key's value as text (`-` when the group lacks it).
fn key_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

fn group_name(group: &Group) -> String {
    match group.key.is_empty() {
        true => "all".to_string(),
        false => group
            .key
            .iter()
            .map(|(k, v)| format!("{k}={}", key_text(v)))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn table(aggregate: &Aggregate, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        out,
        "model {}: {} by {}; shares of all statements (one not mentioning the target counts as none); corrected for the model's known errors, with 95% intervals",
        aggregate.model,
        plural(aggregate.groups.len(), "group", "groups"),
        if aggregate.group_by.is_empty() {
            "nothing (one group)".to_string()
        } else {
            aggregate.group_by.join(", ")
        },
    )?;
    for group in &aggregate.groups {
        writeln!(
            out,
            "\n{} ({}, {})",
            group_name(group),
            plural(group.statements, "statement", "statements"),
            plural(group.articles, "article", "articles")
        )?;
        let changes = group.targets.0.iter().any(|(_, t)| t.change.is_some());
        writeln!(
            out,
            "  {:<16}{:>10}  {:>17}  {:>17}  {:>8}  {:>10}  {:>16}{}",
            "target",
            "mentioning",
            "raw fav/agn",
            "corrected fav/agn",
            "net raw",
            "corrected",
            "95% interval",
            if changes {
                "  change of corrected net, 95% interval"
            } else {
                ""
            }
        )?;
        for (name, t) in &group.targets.0 {
            let p = &t.prevalence;
            writeln!(
                out,
                "  {:<16}{:>10}  {:>17}  {:>17}  {:>+8.2}  {:>+10.2}  {:>16}{}",
                name,
                p.mentioning,
                format!("{:.2} / {:.2}", p.raw.favor, p.raw.against),
                format!("{:.2} / {:.2}", p.corrected.favor, p.corrected.against),
                p.net.raw,
                p.net.corrected,
                format!("[{:+.2}, {:+.2}]", p.net.low, p.net.high),
                t.change
                    .as_ref()
                    .map(|c| format!("  {}", change_text(c)))
                    .unwrap_or_default(),
            )?;
        }
    }
    Ok(())
}

/// `+0.12 [-0.05, +0.30] since 2016-02`.
fn change_text(c: &Change) -> String {
    format!(
        "{:+.2} [{:+.2}, {:+.2}] since {}",
        c.net.corrected, c.net.low, c.net.high, c.from
    )
}

fn csv(aggregate: &Aggregate, out: &mut impl Write) -> std::io::Result<()> {
    let mut writer = ::csv::Writer::from_writer(out);
    let mut header: Vec<String> = aggregate.group_by.clone();
    header.extend(
        [
            "articles",
            "statements",
            "target",
            "mentioning",
            "raw_favor",
            "raw_against",
            "raw_none",
            "corrected_favor",
            "corrected_against",
            "corrected_none",
            "net_raw",
            "net_corrected",
            "net_low",
            "net_high",
            "change_from",
            "change_raw",
            "change_corrected",
            "change_low",
            "change_high",
        ]
        .map(String::from),
    );
    writer.write_record(&header)?;
    for group in &aggregate.groups {
        for (name, t) in &group.targets.0 {
            let p = &t.prevalence;
            let mut row: Vec<String> = aggregate
                .group_by
                .iter()
                .map(|f| match group.key.get(f) {
                    Some(Value::Null) | None => String::new(),
                    Some(v) => key_text(v),
                })
                .collect();
            row.push(group.articles.to_string());
            row.push(group.statements.to_string());
            row.push(name.clone());
            row.push(p.mentioning.to_string());
            let figures = [
                p.raw.favor,
                p.raw.against,
                p.raw.none,
                p.corrected.favor,
                p.corrected.against,
                p.corrected.none,
                p.net.raw,
                p.net.corrected,
                p.net.low,
                p.net.high,
            ];
            row.extend(figures.iter().map(|&x| format!("{}", round_figure(x))));
            match &t.change {
                Some(c) => {
                    row.push(c.from.clone());
                    row.extend(
                        [c.net.raw, c.net.corrected, c.net.low, c.net.high]
                            .iter()
                            .map(|&x| format!("{}", round_figure(x))),
                    );
                }
                None => row.extend(std::iter::repeat_n(String::new(), 5)),
            }
            writer.write_record(&row)?;
        }
    }
    writer.flush()
}

const STYLE: &str = r#"
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2327;background:#f6f7f7}
header{background:#1d2327;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c3c4c7;font-size:13px}
main{max-width:1100px;margin:0 auto;padding:16px 24px}
section{background:#fff;border:1px solid #dcdcde;border-radius:6px;padding:14px 18px;margin:16px 0}
section h2{font-size:17px;margin:0 0 8px}
table{border-collapse:collapse;font-size:13px;width:100%}td,th{padding:3px 8px;border-bottom:1px solid #eef0f2;text-align:left;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.track{position:relative;width:320px;height:18px;background:linear-gradient(90deg,#fde8ea,#fff 50%,#e6f4e9)}
.zero{position:absolute;left:50%;top:0;bottom:0;border-left:1px solid #8c8f94}
.interval{position:absolute;top:7px;height:4px;background:#2271b1;border-radius:2px;min-width:2px}
.point{position:absolute;top:4px;width:10px;height:10px;margin-left:-5px;border-radius:50%;background:#2271b1}
.raw{position:absolute;top:2px;height:14px;margin-left:-1px;border-left:2px solid #d63638}
.legend span{margin-right:16px;font-size:13px}.legend i{display:inline-block;vertical-align:middle;margin-right:4px}
"#;

/// Where `x` in [-1, 1] sits on the track, in percent.
fn at(x: f64) -> f64 {
    (x.clamp(-1.0, 1.0) + 1.0) * 50.0
}

fn html_row(group: &Group, t: &TargetFigures, changes: bool) -> String {
    let p = &t.prevalence;
    let change = match (changes, &t.change) {
        (false, _) => String::new(),
        (true, Some(c)) => format!("<td class=\"num\">{}</td>", escape(&change_text(c))),
        (true, None) => "<td></td>".to_string(),
    };
    format!(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><div class=\"track\" title=\"net raw {:+.2}; corrected {:+.2}, 95% interval [{:+.2}, {:+.2}]\"><div class=\"zero\"></div><div class=\"interval\" style=\"left:{:.2}%;width:{:.2}%\"></div><div class=\"raw\" style=\"left:{:.2}%\"></div><div class=\"point\" style=\"left:{:.2}%\"></div></div></td><td class=\"num\">{:+.2}</td><td class=\"num\">{:+.2}</td><td class=\"num\">[{:+.2}, {:+.2}]</td><td class=\"num\">{:.2} / {:.2}</td>{change}</tr>",
        escape(&group_name(group)),
        group.statements,
        p.mentioning,
        p.net.raw,
        p.net.corrected,
        p.net.low,
        p.net.high,
        at(p.net.low),
        at(p.net.high) - at(p.net.low),
        at(p.net.raw),
        at(p.net.corrected),
        p.net.raw,
        p.net.corrected,
        p.net.low,
        p.net.high,
        p.corrected.favor,
        p.corrected.against,
    )
}

fn html(aggregate: &Aggregate) -> String {
    let targets: Vec<&String> = aggregate
        .groups
        .first()
        .map(|g| g.targets.0.iter().map(|(n, _)| n).collect())
        .unwrap_or_default();
    let changes = aggregate
        .groups
        .iter()
        .any(|g| g.targets.0.iter().any(|(_, t)| t.change.is_some()));
    let mut sections = String::new();
    for (i, target) in targets.iter().enumerate() {
        let rows: String = aggregate
            .groups
            .iter()
            .map(|g| html_row(g, &g.targets.0[i].1, changes))
            .collect();
        sections.push_str(&format!(
            "<section class=\"target\"><h2>Net stance toward {}</h2><table><tr><th>group</th><th>statements</th><th>mentioning</th><th>net stance, −1 … +1</th><th>raw</th><th>corrected</th><th>95% interval</th><th>corrected favor / against</th>{}</tr>{rows}</table></section>\n",
            escape(target),
            if changes { "<th>change of corrected net, 95% interval</th>" } else { "" }
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>stance aggregate</title><style>{STYLE}</style></head><body>\n<header><h1>stance aggregate</h1><p>model {}; {} grouped by {}</p></header><main>\n<p class=\"legend\"><span><i class=\"point\" style=\"position:static;margin:0\"></i>corrected net stance</span><span><i style=\"width:24px;height:4px;background:#2271b1\"></i>its 95% interval</span><span><i style=\"height:14px;border-left:2px solid #d63638\"></i>raw count</span> Net stance is (favor − against) over all of a group's statements; corrected for the model's known errors.</p>\n{sections}</main><script>\nconst drawn=[...document.querySelectorAll('.track')].filter(t=>t.querySelector('.point').getBoundingClientRect().width>0&&t.querySelector('.interval').getBoundingClientRect().width>0).length;document.body.dataset.drawn=drawn;\n</script></body></html>\n",
        escape(&aggregate.model),
        plural(aggregate.groups.len(), "group", "groups"),
        if aggregate.group_by.is_empty() {
            "nothing".to_string()
        } else {
            escape(&aggregate.group_by.join(", "))
        },
    )
}
