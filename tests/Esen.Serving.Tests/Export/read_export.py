"""Reads an esen export with parsers Esen did not write: every config.pbtxt as Triton's ModelConfig
(protobuf text format, Python protobuf, stubs generated from model_config.proto by grpc_tools.protoc)
and every .yaml file with PyYAML; prints what they parsed as one JSON object
{"pbtxt": {path: message as a dict}, "yaml": {path: [documents]}}, paths relative to the export (a
ConfigMap's values under PATH#KEY).

usage: read_export.py PROTO_FILE OUT_DIR EXPORT_DIR
"""
import json
import os
import sys

import yaml
from google.protobuf import json_format, text_format
from grpc_tools import protoc


def main(argv):
    proto_file, out_dir, export_dir = argv
    status = protoc.main(["protoc", f"-I{os.path.dirname(proto_file)}", f"--python_out={out_dir}", os.path.basename(proto_file)])
    if status != 0:
        raise SystemExit(f"grpc_tools.protoc failed on {proto_file} with status {status}")
    sys.path.insert(0, out_dir)
    import model_config_pb2

    found = {"pbtxt": {}, "yaml": {}}
    for folder, _, files in os.walk(export_dir):
        for name in sorted(files):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, export_dir).replace(os.sep, "/")
            with open(path, encoding="utf-8") as text:
                if name == "config.pbtxt":
                    try:
                        message = text_format.Parse(text.read(), model_config_pb2.ModelConfig())
                    except text_format.ParseError as error:
                        raise SystemExit(f"{relative}: not a ModelConfig: {error}")
                    found["pbtxt"][relative] = json_format.MessageToDict(message, preserving_proto_field_name=True)
                elif name.endswith(".yaml"):
                    documents = list(yaml.safe_load_all(text))
                    found["yaml"][relative] = documents
                    # A ConfigMap's values are files of their own (the device plugin's config): parsed too.
                    for document in documents:
                        if isinstance(document, dict) and document.get("kind") == "ConfigMap":
                            for key, value in (document.get("data") or {}).items():
                                found["yaml"][f"{relative}#{key}"] = list(yaml.safe_load_all(value))
    json.dump(found, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
