//! Arrow batches in and out: one row per statement, in flat columns.
//!
//! Archives are read by engines that hand out Arrow record batches (pyarrow,
//! Spark's `mapInArrow`, Polars, DuckDB), so `Model.classify_arrow` takes a
//! batch with `id` and `text` columns through the Arrow C data interface
//! (no copy, no JSON) and returns one: a row per statement with its article,
//! position, byte span and text; per target whether it is mentioned (and by
//! which aliases), the stance with the probability of each label, and the
//! sentiment toward it for a model that has one; and the statement's
//! sentiment. A target's columns are prefixed with its name in snake case
//! (`united_states_stance`). Input columns named in `keep` are repeated on
//! each of their article's statements, so a Spark job can group statements
//! by outlet and month without a join. Articles are classified in chunks on
//! the worker pool, each chunk building its own columns, so nothing is
//! serial but the final concatenation.

use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float32Builder, Int64Builder, ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use rayon::prelude::*;
use stance::{ArticleClassifier, ArticleResult, Decision, Label, Model, Sentiment, SentimentScope, Stance};

use crate::errors::Failure;

/// Which columns a model's statements have.
pub(crate) struct Layout {
    /// Per target: its name and its columns' prefix.
    targets: Vec<(String, String)>,
    /// Whether the model decides stance.
    stance: bool,
    /// Whether it decides sentiment toward each mentioned target.
    toward_target: bool,
    /// The model's columns.
    schema: SchemaRef,
}

const STANCE_LABELS: [Stance; 3] = [Stance::Favor, Stance::Against, Stance::None];
const SENTIMENT_LABELS: [Sentiment; 3] = [Sentiment::Positive, Sentiment::Negative, Sentiment::Neutral];

/// `United States` -> `united_states`: lower case, every run of other
/// characters than letters and digits one `_`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

fn float(name: String) -> Field {
    Field::new(name, DataType::Float32, true)
}

impl Layout {
    /// The columns of `classifier`'s statements (a classifier of `model`).
    pub(crate) fn new(model: &Model, classifier: &ArticleClassifier) -> Result<Layout, Failure> {
        let stance = model.has_stance();
        let toward_target = model.sentiment_scope() == Some(SentimentScope::StatementAndTargets);
        let targets: Vec<(String, String)> = classifier
            .target_names()
            .into_iter()
            .map(|t| (t.to_string(), snake_case(t)))
            .collect();
        let mut fields = vec![
            Field::new("article", DataType::Utf8, false),
            Field::new("index", DataType::Int64, false),
            Field::new("start", DataType::Int64, false),
            Field::new("end", DataType::Int64, false),
            Field::new("text", DataType::Utf8, false),
            Field::new("dateline", DataType::Utf8, true),
            Field::new("bullet", DataType::Utf8, true),
            Field::new("furniture", DataType::Boolean, false),
        ];
        for (name, prefix) in &targets {
            if prefix.is_empty() {
                return Err(stance::Error::Settings(format!(
                    "target \"{name}\" has no letter or digit to name its columns by"
                ))
                .into());
            }
            fields.push(Field::new(format!("{prefix}_mentioned"), DataType::Boolean, false));
            fields.push(Field::new(
                format!("{prefix}_mentions"),
                DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
                false,
            ));
            if stance {
                fields.push(Field::new(format!("{prefix}_stance"), DataType::Utf8, true));
                fields.extend(STANCE_LABELS.map(|l| float(format!("{prefix}_p_{}", l.name()))));
            }
            if toward_target {
                fields.push(Field::new(format!("{prefix}_sentiment"), DataType::Utf8, true));
                fields.extend(SENTIMENT_LABELS.map(|l| float(format!("{prefix}_p_{}", l.name()))));
            }
        }
        fields.push(Field::new("sentiment", DataType::Utf8, true));
        fields.extend(SENTIMENT_LABELS.map(|l| float(format!("p_{}", l.name()))));
        check_unique(fields.iter().map(|f| f.name().as_str()))?;
        Ok(Layout {
            targets,
            stance,
            toward_target,
            schema: Arc::new(Schema::new(fields)),
        })
    }

    /// The model's columns, without any kept input column.
    pub(crate) fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

/// Fails on the first column name that comes twice.
fn check_unique<'a>(names: impl Iterator<Item = &'a str>) -> Result<(), Failure> {
    let mut seen = std::collections::HashSet::new();
    for name in names {
        if !seen.insert(name) {
            return Err(Failure::input(format!(
                "two output columns would be named \"{name}\" (a kept column or a target's name clashes with another column)"
            )));
        }
    }
    Ok(())
}

/// A decision's columns: its label and the probability of each label.
struct DecisionColumns {
    label: StringBuilder,
    p: [Float32Builder; 3],
}

impl DecisionColumns {
    fn new() -> Self {
        DecisionColumns {
            label: StringBuilder::new(),
            p: std::array::from_fn(|_| Float32Builder::new()),
        }
    }

    fn push<L: Label>(&mut self, decision: Option<&Decision<L>>, labels: [L; 3]) {
        self.label.append_option(decision.map(|d| d.label.name()));
        for (column, label) in self.p.iter_mut().zip(labels) {
            // At the precision every machine-readable output has (4 decimals).
            let p = decision.and_then(|d| d.probabilities?.get(label));
            column.append_option(p.map(|p| stance::round_figure(p as f64) as f32));
        }
    }

    fn finish(mut self, out: &mut Vec<ArrayRef>) {
        out.push(Arc::new(self.label.finish()));
        out.extend(self.p.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    }
}

/// One target's columns.
struct TargetColumns {
    mentioned: BooleanBuilder,
    mentions: ListBuilder<StringBuilder>,
    stance: Option<DecisionColumns>,
    sentiment: Option<DecisionColumns>,
}

/// The columns of a chunk of articles, and for each statement the row of
/// its article in the input.
struct Columns {
    article: StringBuilder,
    index: Int64Builder,
    start: Int64Builder,
    end: Int64Builder,
    text: StringBuilder,
    dateline: StringBuilder,
    bullet: StringBuilder,
    furniture: BooleanBuilder,
    targets: Vec<TargetColumns>,
    sentiment: DecisionColumns,
    rows: Vec<u64>,
}

impl Columns {
    fn new(layout: &Layout) -> Self {
        let targets = layout
            .targets
            .iter()
            .map(|_| TargetColumns {
                mentioned: BooleanBuilder::new(),
                mentions: ListBuilder::new(StringBuilder::new()),
                stance: layout.stance.then(DecisionColumns::new),
                sentiment: layout.toward_target.then(DecisionColumns::new),
            })
            .collect();
        Columns {
            article: StringBuilder::new(),
            index: Int64Builder::new(),
            start: Int64Builder::new(),
            end: Int64Builder::new(),
            text: StringBuilder::new(),
            dateline: StringBuilder::new(),
            bullet: StringBuilder::new(),
            furniture: BooleanBuilder::new(),
            targets,
            sentiment: DecisionColumns::new(),
            rows: Vec::new(),
        }
    }

    /// Appends the statements of the article at input row `row`.
    fn push(&mut self, row: usize, result: &ArticleResult) -> Result<(), Failure> {
        for s in &result.statements {
            self.article.append_value(&result.id);
            self.index.append_value(s.index as i64);
            self.start.append_value(s.start as i64);
            self.end.append_value(s.end as i64);
            self.text.append_value(&s.text);
            self.dateline.append_option(s.dateline.as_deref());
            self.bullet.append_option(s.bullet.as_deref());
            self.furniture.append_value(s.furniture);
            if s.targets.len() != self.targets.len() {
                return Err(Failure::Internal(format!(
                    "a statement has {} targets, the layout {}",
                    s.targets.len(),
                    self.targets.len()
                )));
            }
            for (columns, t) in self.targets.iter_mut().zip(&s.targets) {
                columns.mentioned.append_value(t.mentioned);
                for m in &t.mentions {
                    columns.mentions.values().append_value(&m.alias);
                }
                columns.mentions.append(true);
                if let Some(c) = &mut columns.stance {
                    c.push(t.stance.as_ref(), STANCE_LABELS);
                }
                if let Some(c) = &mut columns.sentiment {
                    c.push(t.sentiment.as_ref(), SENTIMENT_LABELS);
                }
            }
            self.sentiment.push(Some(&s.sentiment), SENTIMENT_LABELS);
            self.rows.push(row as u64);
        }
        Ok(())
    }

    /// The batch, and each statement's input row.
    fn finish(mut self, schema: SchemaRef) -> Result<(RecordBatch, Vec<u64>), Failure> {
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.article.finish()),
            Arc::new(self.index.finish()),
            Arc::new(self.start.finish()),
            Arc::new(self.end.finish()),
            Arc::new(self.text.finish()),
            Arc::new(self.dateline.finish()),
            Arc::new(self.bullet.finish()),
            Arc::new(self.furniture.finish()),
        ];
        for mut t in self.targets {
            columns.push(Arc::new(t.mentioned.finish()));
            columns.push(Arc::new(t.mentions.finish()));
            if let Some(c) = t.stance {
                c.finish(&mut columns);
            }
            if let Some(c) = t.sentiment {
                c.finish(&mut columns);
            }
        }
        self.sentiment.finish(&mut columns);
        let batch = RecordBatch::try_new(schema, columns).map_err(|e| Failure::Internal(e.to_string()))?;
        Ok((batch, self.rows))
    }
}

/// A column of strings, in any of Arrow's three layouts.
enum Strings<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Strings<'a> {
    fn of(array: &'a dyn Array) -> Option<Self> {
        match array.data_type() {
            DataType::Utf8 => Some(Strings::Utf8(array.as_string::<i32>())),
            DataType::LargeUtf8 => Some(Strings::Large(array.as_string::<i64>())),
            DataType::Utf8View => Some(Strings::View(array.as_string_view())),
            _ => None,
        }
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// The column `name` of `batch`, or an error naming the columns there are.
fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, Failure> {
    let schema = batch.schema_ref();
    match schema.index_of(name) {
        Ok(i) => Ok(batch.column(i)),
        Err(_) => {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            Err(Failure::input(format!(
                "the batch has no \"{name}\" column (it has: {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )))
        }
    }
}

/// Each row's id: a string, or an integer written in decimal (as the CLI
/// takes a number in `"id"`).
fn ids(batch: &RecordBatch) -> Result<Vec<Cow<'_, str>>, Failure> {
    let array = column(batch, "id")?;
    let null = |i: usize| Failure::input_at(i, format!("row {i} has a null id"));
    if let Some(strings) = Strings::of(array.as_ref()) {
        return (0..array.len())
            .map(|i| strings.get(i).map(Cow::Borrowed).ok_or_else(|| null(i)))
            .collect();
    }
    macro_rules! integers {
        ($($t:ty),*) => {
            match array.data_type() {
                $(dt if *dt == <$t as arrow_array::types::ArrowPrimitiveType>::DATA_TYPE => {
                    let a = array.as_primitive::<$t>();
                    (0..a.len())
                        .map(|i| if a.is_valid(i) { Ok(Cow::Owned(a.value(i).to_string())) } else { Err(null(i)) })
                        .collect()
                })*
                other => Err(Failure::input(format!(
                    "the \"id\" column has type {other}; expected strings or integers"
                ))),
            }
        };
    }
    integers!(
        Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type
    )
}

/// Each row's text.
fn texts(batch: &RecordBatch) -> Result<Vec<&str>, Failure> {
    let array = column(batch, "text")?;
    let strings = Strings::of(array.as_ref()).ok_or_else(|| {
        Failure::input(format!(
            "the \"text\" column has type {}; expected strings",
            array.data_type()
        ))
    })?;
    (0..array.len())
        .map(|i| {
            strings
                .get(i)
                .ok_or_else(|| Failure::input_at(i, format!("row {i} has a null text")))
        })
        .collect()
}

/// Classifies every row of `batch` on `pool`: one output row per
/// statement, in input order, with the columns of `layout` and then those
/// of `keep`, taken from the input.
pub(crate) fn classify_batch(
    classifier: &ArticleClassifier,
    layout: &Layout,
    batch: &RecordBatch,
    keep: &[String],
    pool: &rayon::ThreadPool,
) -> Result<RecordBatch, Failure> {
    let ids = ids(batch)?;
    let texts = texts(batch)?;
    let kept: Vec<(Field, &ArrayRef)> = keep
        .iter()
        .map(|name| {
            let array = column(batch, name)?;
            let field = batch
                .schema_ref()
                .field_with_name(name)
                .map_err(|e| Failure::input(e.to_string()))?;
            Ok((field.clone(), array))
        })
        .collect::<Result<_, Failure>>()?;
    let schema = layout.schema();
    check_unique(
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .chain(keep.iter().map(String::as_str)),
    )?;
    let n = texts.len();
    let chunk = n.div_ceil(pool.current_num_threads() * 8).max(1);
    let parts: Vec<Result<(RecordBatch, Vec<u64>), Failure>> = pool.install(|| {
        (0..n.div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                let mut columns = Columns::new(layout);
                for row in c * chunk..((c + 1) * chunk).min(n) {
                    let result = classifier.classify(&ids[row], texts[row]);
                    columns.push(row, &result)?;
                }
                columns.finish(schema.clone())
            })
            .collect()
    });
    let mut batches = Vec::with_capacity(parts.len());
    let mut rows = Vec::new();
    for part in parts {
        let (b, r) = part?;
        batches.push(b);
        rows.extend(r);
    }
    let internal = |e: arrow_schema::ArrowError| Failure::Internal(e.to_string());
    let statements = arrow_select::concat::concat_batches(&schema, &batches).map_err(internal)?;
    if kept.is_empty() {
        return Ok(statements);
    }
    let rows = UInt64Array::from(rows);
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns = statements.columns().to_vec();
    for (field, array) in kept {
        columns.push(arrow_select::take::take(array.as_ref(), &rows, None).map_err(internal)?);
        fields.push(field);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(internal)
}
