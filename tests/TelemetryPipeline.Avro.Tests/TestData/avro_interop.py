#!/usr/bin/python3
"""Interop helper for the C# Avro codec tests, run with Debian's /usr/bin/python3 and python3-avro (Apache Avro 1.11).

Values are exchanged as JSON lines in Avro's JSON encoding (unions tagged {"branch": value}, bytes and fixed as strings
of code points 0-255) with logical types as their underlying values (timestamps as longs, dates as days, decimals as
minimal two's-complement unscaled bytes), so both sides compare values, not encodings.

Commands:
  write SCHEMA VALUES_JSONL OUT_DIR     binary datum files OUT_DIR/<n>.bin, containers OUT_DIR/null.avro, OUT_DIR/deflate.avro
  read SCHEMA [--reader READER] FILE... one JSON line per binary datum file (resolved against READER when given)
  read-container FILE [--reader READER]  one JSON line per datum of an object container file
  canonical SCHEMA                      the parsing canonical form, then the CRC-64-AVRO fingerprint (signed decimal)
"""
import datetime
import decimal
import io
import json
import math
import os
import sys
import uuid

import avro.datafile
import avro.io
import avro.schema

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
EPOCH_DATE = datetime.date(1970, 1, 1)


def logical(schema):
    return getattr(schema, "logical_type", None)


def branch_key(schema):
    if schema.type in ("record", "enum", "fixed", "error"):
        return schema.fullname
    return schema.type


def to_code_points(data):
    return "".join(chr(b) for b in data)


def from_code_points(text):
    return bytes(ord(c) for c in text)


def unscaled_bytes(value, scale, size=None):
    unscaled = int(value.scaleb(scale).to_integral_exact())
    length = max(1, (unscaled.bit_length() + 8) // 8)
    if size is not None:
        length = size
    data = unscaled.to_bytes(length, "big", signed=True)
    if size is None:
        # minimal two's complement: drop redundant sign bytes
        while len(data) > 1 and ((data[0] == 0 and data[1] < 0x80) or (data[0] == 0xFF and data[1] >= 0x80)):
            data = data[1:]
        if unscaled == 0:
            data = b""
    return data


def bytes_to_decimal(data, scale):
    unscaled = int.from_bytes(data, "big", signed=True) if data else 0
    return decimal.Decimal(unscaled).scaleb(-scale)


def datum_to_json(schema, datum):
    t = schema.type
    lt = logical(schema)
    if t == "union":
        for branch in schema.schemas:
            if branch.type == "null" and datum is None:
                return None
        for branch in schema.schemas:
            if branch.type != "null" and avro.io.validate(branch, datum):
                return {branch_key(branch): datum_to_json(branch, datum)}
        raise ValueError(f"datum {datum!r} fits no branch of {schema}")
    if t == "null":
        return None
    if t == "boolean":
        return bool(datum)
    if t in ("int", "long"):
        if lt == "date" and isinstance(datum, datetime.date):
            return (datum - EPOCH_DATE).days
        if lt in ("time-millis", "time-micros") and isinstance(datum, datetime.time):
            micros = ((datum.hour * 60 + datum.minute) * 60 + datum.second) * 1000000 + datum.microsecond
            return micros // 1000 if lt == "time-millis" else micros
        if lt in ("timestamp-millis", "timestamp-micros") and isinstance(datum, datetime.datetime):
            delta = datum - EPOCH
            micros = (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds
            return micros // 1000 if lt == "timestamp-millis" else micros
        return int(datum)
    if t in ("float", "double"):
        value = float(datum)
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if t == "bytes":
        if lt == "decimal" and isinstance(datum, decimal.Decimal):
            return to_code_points(unscaled_bytes(datum, schema.get_prop("scale") or 0))
        return to_code_points(datum)
    if t == "fixed":
        if lt == "decimal" and isinstance(datum, decimal.Decimal):
            return to_code_points(unscaled_bytes(datum, schema.get_prop("scale") or 0, schema.size))
        return to_code_points(datum)
    if t == "string":
        return str(datum)
    if t == "enum":
        return datum
    if t == "array":
        return [datum_to_json(schema.items, item) for item in datum]
    if t == "map":
        return {key: datum_to_json(schema.values, value) for key, value in datum.items()}
    if t in ("record", "error"):
        return {field.name: datum_to_json(field.type, datum[field.name]) for field in schema.fields}
    raise ValueError(f"unsupported schema type {t}")


def json_to_datum(schema, value):
    t = schema.type
    lt = logical(schema)
    if t == "union":
        if value is None:
            return None
        (key, inner), = value.items()
        for branch in schema.schemas:
            if branch_key(branch) == key:
                return json_to_datum(branch, inner)
        raise ValueError(f"no branch {key} in {schema}")
    if t == "null":
        return None
    if t == "boolean":
        return bool(value)
    if t in ("int", "long"):
        if lt == "date":
            return EPOCH_DATE + datetime.timedelta(days=value)
        if lt in ("time-millis", "time-micros"):
            micros = value * 1000 if lt == "time-millis" else value
            seconds, micro = divmod(micros, 1000000)
            minutes, second = divmod(seconds, 60)
            hour, minute = divmod(minutes, 60)
            return datetime.time(hour, minute, second, micro)
        if lt in ("timestamp-millis", "timestamp-micros"):
            micros = value * 1000 if lt == "timestamp-millis" else value
            return EPOCH + datetime.timedelta(microseconds=micros)
        return int(value)
    if t in ("float", "double"):
        if isinstance(value, str):
            return float(value.replace("Infinity", "inf"))
        return float(value)
    if t == "bytes":
        data = from_code_points(value)
        if lt == "decimal":
            return bytes_to_decimal(data, schema.get_prop("scale") or 0)
        return data
    if t == "fixed":
        data = from_code_points(value)
        if lt == "decimal":
            return bytes_to_decimal(data, schema.get_prop("scale") or 0)
        return data
    if t == "string":
        return value
    if t == "enum":
        return value
    if t == "array":
        return [json_to_datum(schema.items, item) for item in value]
    if t == "map":
        return {key: json_to_datum(schema.values, item) for key, item in value.items()}
    if t in ("record", "error"):
        return {field.name: json_to_datum(field.type, value[field.name]) for field in schema.fields}
    raise ValueError(f"unsupported schema type {t}")


def load_schema(path):
    with open(path, encoding="utf-8") as f:
        return avro.schema.parse(f.read())


def dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def fingerprint(text):
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp & 0xFFFFFFFFFFFFFFFF)
    fp = empty
    for b in text.encode("utf-8"):
        fp = (fp >> 8) ^ table[(fp ^ b) & 0xFF]
    return fp - (1 << 64) if fp >= (1 << 63) else fp


def cmd_write(schema_path, values_path, out_dir):
    schema = load_schema(schema_path)
    with open(values_path, encoding="utf-8") as f:
        datums = [json_to_datum(schema, json.loads(line)) for line in f if line.strip()]
    writer = avro.io.DatumWriter(schema)
    for i, datum in enumerate(datums):
        buffer = io.BytesIO()
        writer.write(datum, avro.io.BinaryEncoder(buffer))
        with open(os.path.join(out_dir, f"{i}.bin"), "wb") as out:
            out.write(buffer.getvalue())
    for codec in ("null", "deflate"):
        with open(os.path.join(out_dir, f"{codec}.avro"), "wb") as out:
            container = avro.datafile.DataFileWriter(out, avro.io.DatumWriter(), schema, codec=codec)
            for datum in datums:
                container.append(datum)
            container.close()


def cmd_read(schema_path, files, reader_path=None):
    schema = load_schema(schema_path)
    reader_schema = load_schema(reader_path) if reader_path else schema
    reader = avro.io.DatumReader(schema, reader_schema)
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        decoder = avro.io.BinaryDecoder(io.BytesIO(data))
        datum = reader.read(decoder)
        print(dumps(datum_to_json(reader_schema, datum)))


def cmd_read_container(path, reader_path=None):
    reader_schema = load_schema(reader_path) if reader_path else None
    with open(path, "rb") as f:
        container = avro.datafile.DataFileReader(f, avro.io.DatumReader(readers_schema=reader_schema))
        schema = reader_schema or avro.schema.parse(container.get_meta("avro.schema").decode("utf-8"))
        for datum in container:
            print(dumps(datum_to_json(schema, datum)))


def main(argv):
    command = argv[1]
    if command == "write":
        cmd_write(argv[2], argv[3], argv[4])
    elif command == "read":
        args = argv[3:]
        reader = None
        if args and args[0] == "--reader":
            reader = args[1]
            args = args[2:]
        cmd_read(argv[2], args, reader)
    elif command == "read-container":
        reader = argv[4] if len(argv) > 4 and argv[3] == "--reader" else None
        cmd_read_container(argv[2], reader)
    elif command == "canonical":
        schema = load_schema(argv[2])
        canonical = json.dumps(schema.to_canonical_json(), separators=(",", ":"))
        print(canonical)
        print(fingerprint(canonical))
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
