#!/usr/bin/env python3
"""Classify an archive of news articles on Apache Spark with stance.

Reads articles (Parquet, or JSON Lines with ``--format json``) with an
``id`` and a ``text`` column and optionally ``outlet`` and ``date`` (ISO
8601), classifies them with ``mapInArrow`` (each Arrow batch goes to
``stance.Model.classify_arrow``; the model is loaded once per executor's
Python worker by ``stance.cached_model``), and writes:

- ``OUT/statements``: one Parquet row per statement (the columns of
  ``Model.arrow_schema()`` plus ``outlet`` and ``date`` when the input has
  them);
- ``OUT/table``: per outlet and month (``date``'s first 7 characters),
  statements, and per target the statements mentioning it, favor / against /
  none among those, and net stance ``(favor - against) / statements`` (a
  statement that does not mention the target counts as none), printed too.

Page furniture ("Related Content", a lone word; ``furniture`` is true) is
kept in the statements but left out of the table, as the CLI's summaries
leave it out.

Locally:   python3 examples/spark/classify_archive.py --input archive.parquet --output out
Cluster:   spark-submit --master yarn examples/spark/classify_archive.py --input hdfs://... --output hdfs://...
           (each executor needs the stance wheel: install it in the executor
           image, or ship a virtualenv with --archives; see the README)
"""

from __future__ import annotations

import argparse
import re
import sys


def target_prefix(name: str) -> str:
    """A target's column prefix, as ``Model.arrow_schema`` names it."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def classify(spark, articles, model_path: str | None):
    """The statements of ``articles`` (a DataFrame with id and text), one row each."""
    import stance
    from pyspark.sql.pandas.types import from_arrow_schema

    keep = [c for c in ("outlet", "date") if c in articles.columns]
    model = stance.cached_model(model_path)
    schema = model.arrow_schema()
    kept_fields = [articles.schema[c] for c in keep]
    out_schema = from_arrow_schema(schema)
    for field in kept_fields:
        out_schema = out_schema.add(field.name, field.dataType, True)
    targets = model.targets

    def run(batches):
        import stance as s

        m = s.cached_model(model_path)
        for batch in batches:
            yield m.classify_arrow(batch, keep=keep, threads=1)

    return articles.select("id", "text", *keep).mapInArrow(run, out_schema), targets


def outlet_month_table(statements, targets):
    """Per outlet and month: statements, and per target mentioning, favor,
    against, none and net stance."""
    from pyspark.sql import functions as F

    counted = statements.where(~F.col("furniture"))
    keys = []
    if "outlet" in statements.columns:
        keys.append(F.col("outlet"))
    if "date" in statements.columns:
        keys.append(F.substring(F.col("date").cast("string"), 1, 7).alias("month"))
    aggregates = [F.count(F.lit(1)).alias("statements")]
    for t in targets:
        p = target_prefix(t)
        mentioned = F.col(f"{p}_mentioned")
        stance = F.col(f"{p}_stance")
        aggregates += [
            F.sum(mentioned.cast("long")).alias(f"{p}_mentioning"),
            F.sum((mentioned & (stance == "favor")).cast("long")).alias(f"{p}_favor"),
            F.sum((mentioned & (stance == "against")).cast("long")).alias(f"{p}_against"),
            F.sum((mentioned & (stance == "none")).cast("long")).alias(f"{p}_none"),
        ]
    table = counted.groupBy(*keys).agg(*aggregates)
    for t in targets:
        p = target_prefix(t)
        table = table.withColumn(f"{p}_net", (F.col(f"{p}_favor") - F.col(f"{p}_against")) / F.col("statements"))
    order = [c for c in ("outlet", "month") if c in table.columns]
    return table.orderBy(*order) if order else table


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--input", required=True, help="articles: Parquet file/directory, or JSON Lines with --format json")
    p.add_argument("--format", choices=["parquet", "json"], default="parquet")
    p.add_argument("--output", required=True, help="directory for statements/ and table/")
    p.add_argument("--model", default=None, help="model file (default: the built-in model)")
    p.add_argument("--master", default=None, help="Spark master (default: spark-submit's, or local[*])")
    p.add_argument("--batch-rows", type=int, default=1000, help="articles per Arrow batch")
    args = p.parse_args(argv)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("stance-classify-archive")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", str(args.batch_rows)).getOrCreate()
    reader = spark.read.parquet if args.format == "parquet" else spark.read.json
    articles = reader(args.input)
    missing = [c for c in ("id", "text") if c not in articles.columns]
    if missing:
        sys.exit(f"{args.input}: no {' or '.join(missing)} column (found: {', '.join(articles.columns)})")
    if dict(articles.dtypes)["id"] != "string":
        articles = articles.withColumn("id", articles["id"].cast("string"))
    statements, targets = classify(spark, articles, args.model)
    statements.write.mode("overwrite").parquet(f"{args.output}/statements")
    statements = spark.read.parquet(f"{args.output}/statements")
    table = outlet_month_table(statements, targets)
    table.write.mode("overwrite").parquet(f"{args.output}/table")
    table.show(50, truncate=False)
    spark.stop()


if __name__ == "__main__":
    main()
