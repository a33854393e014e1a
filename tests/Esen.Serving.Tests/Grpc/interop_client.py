"""An independent Open Inference Protocol client (Python grpcio) for Esen's gRPC interop test.

Generates its stubs from Esen's grpc_service.proto with grpc_tools.protoc, then calls ServerLive,
ModelMetadata and ModelInfer (raw input contents) and prints what it got as one JSON line; the answer's
raw bytes go to OUT_DIR/output.bin.

usage: interop_client.py PROTO_FILE OUT_DIR PORT MODEL INPUT_NAME INPUT_BIN DIM...
"""
import json
import os
import sys

from grpc_tools import protoc


def main(argv):
    proto_file, out_dir, port, model, input_name, input_bin = argv[:6]
    shape = [int(d) for d in argv[6:]]
    proto_dir = os.path.dirname(proto_file)
    status = protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out_dir}", f"--grpc_python_out={out_dir}",
                          os.path.basename(proto_file)])
    if status != 0:
        raise SystemExit(f"grpc_tools.protoc failed on {proto_file} with status {status}")
    sys.path.insert(0, out_dir)
    import grpc
    import grpc_service_pb2 as pb
    import grpc_service_pb2_grpc as rpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = rpc.GRPCInferenceServiceStub(channel)
        live = stub.ServerLive(pb.ServerLiveRequest(), timeout=30).live
        metadata = stub.ModelMetadata(pb.ModelMetadataRequest(name=model), timeout=30)
        with open(input_bin, "rb") as f:
            raw = f.read()
        request = pb.ModelInferRequest(model_name=model, id="python")
        tensor = request.inputs.add()
        tensor.name = input_name
        tensor.datatype = "FP32"
        tensor.shape.extend(shape)
        request.raw_input_contents.append(raw)
        answer = stub.ModelInfer(request, timeout=60)
    with open(os.path.join(out_dir, "output.bin"), "wb") as f:
        f.write(answer.raw_output_contents[0])
    print(json.dumps({
        "live": live,
        "metadata_name": metadata.name,
        "metadata_inputs": [[t.name, t.datatype, list(t.shape)] for t in metadata.inputs],
        "id": answer.id,
        "output_name": answer.outputs[0].name,
        "output_shape": list(answer.outputs[0].shape),
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
