"""DNSMOS P.835 with its costly layers shared between overlapping windows, same numbers.

DNSMOS scores a 9.01 s window every second, so each second of audio passes the P.835 network
about nine times. The network (``sig_bak_ovr.onnx``) is: a front end turning each window's
samples into a log-power spectrogram (900 frames of 320 samples, hop 160), then a *trunk* of
3x3 convolutions with ReLU at full resolution (about 96% of the work), then a *head*
(max-pooling, three more convolutions, global max-pooling, dense layers) giving SIG, BAK, OVRL.

Windows one second apart are 100 spectrogram frames apart, and each spectrogram frame depends
only on its own 320 samples, so window k's frame j is window k-1's frame j+100. A trunk of R
stacked 3x3 convolutions makes each output frame depend on the input frames within R of it;
only the R frames at each window edge see that window's zero padding. So window k's trunk
output is assembled from:

- frames [0, R): the trunk run on the window's first 2R frames (its left edge);
- frames [R, 800-R): window k-1's frames [100+R, 900-R), which no edge touched;
- frames [800-R, 900): the trunk run on the window's last 100+2R frames.

The head then runs on every window as it does in the whole network. The split keeps the
network's own operators and weights (graph cut with ``onnx``, run by ``onnxruntime``): the
result matches the whole network to the bit with one thread per session, and within 1e-7 with
two (a test compares every score with speechmos's own scoring). The cut checks the graph's
shape first; a graph of another shape raises ``UnexpectedGraph`` and the caller uses the whole
network per window instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

SAMPLE_RATE = 16_000
WINDOW_SAMPLES = 144_160  # 9.01 s at 16 kHz: the network's input length
SPECTROGRAM = "adjusted_input6"  # the log-power spectrogram, [N, 1, frames, 161]
TRUNK_OUT = "mos_estimator_logpow/conv2d_3/Relu:0"  # last full-resolution layer, before max-pooling
FRAMES = 900
HOP_FRAMES = 100  # 1 s hop / 160-sample frame hop


class UnexpectedGraph(ValueError):
    """The P.835 graph is not the one this module knows how to cut."""


@dataclass(frozen=True)
class TrunkShape:
    receptive: int  # R: stacked 3x3 convolutions (stride 1, padding 1) between the cut points


def trunk_shape(model: Any) -> TrunkShape:
    """Check that ``model`` (an ``onnx.ModelProto``) has the cut points and a trunk of plain 3x3
    convolutions and element-wise ops only; return its receptive half-width in frames."""
    import onnx

    nodes = {output: node for node in model.graph.node for output in node.output}
    if SPECTROGRAM not in nodes or TRUNK_OUT not in nodes:
        raise UnexpectedGraph(f"no tensor {SPECTROGRAM!r} or {TRUNK_OUT!r}")
    receptive = 0
    name = TRUNK_OUT
    while name != SPECTROGRAM:
        node = nodes.get(name)
        if node is None:
            raise UnexpectedGraph(f"the trunk does not lead back to {SPECTROGRAM!r}")
        attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "Conv":
            if (list(attributes.get("kernel_shape", [])) != [3, 3] or list(attributes.get("pads", [])) != [1, 1, 1, 1]
                    or list(attributes.get("strides", [1, 1])) != [1, 1]
                    or list(attributes.get("dilations", [1, 1])) != [1, 1]):
                raise UnexpectedGraph(f"trunk convolution {node.name!r} is not 3x3, stride 1, padding 1")
            receptive += 1
        elif node.op_type != "Relu":
            raise UnexpectedGraph(f"trunk node {node.name!r} is a {node.op_type}, not Conv or Relu")
        name = node.input[0]
    if receptive == 0 or 2 * receptive >= FRAMES - HOP_FRAMES:
        raise UnexpectedGraph(f"a trunk of {receptive} convolutions cannot be shared between windows")
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {value.name: [d.dim_value or d.dim_param for d in value.type.tensor_type.shape.dim]
              for value in [*inferred.graph.value_info, *inferred.graph.input]}
    samples = shapes.get(model.graph.input[0].name, [])[1:]
    if shapes.get(SPECTROGRAM, [])[1:3] != [1, FRAMES] or samples != [WINDOW_SAMPLES]:
        raise UnexpectedGraph(f"the network does not turn {WINDOW_SAMPLES} samples into {FRAMES} frames")
    return TrunkShape(receptive)


def _sub_model(inferred: Any, inputs: list[str], outputs: list[str], free_dims: tuple[int, ...]) -> bytes:
    """The part of ``inferred`` between ``inputs`` and ``outputs``, with the listed dimensions of
    its inputs and outputs left free (batch, frames)."""
    from onnx.utils import Extractor

    part = Extractor(inferred).extract_model(inputs, outputs)
    for value in [*part.graph.input, *part.graph.output]:
        dims = value.type.tensor_type.shape.dim
        for index in free_dims:
            if index < len(dims):
                dims[index].dim_param = f"d{index}"
    del part.graph.value_info[:]  # inferred for 900 frames; the trunk runs on other lengths
    data: bytes = part.SerializeToString()
    return data


class SharedTrunkP835:
    """The P.835 network cut in three, run over a clip's windows with the trunk shared."""

    def __init__(self, model_path: str, options: Any) -> None:
        import onnx
        import onnxruntime

        model = onnx.load(model_path)
        self.receptive = trunk_shape(model).receptive
        inferred = onnx.shape_inference.infer_shapes(model)
        input_name = model.graph.input[0].name
        output_name = model.graph.output[0].name
        providers = ["CPUExecutionProvider"]

        def session(inputs: list[str], outputs: list[str], free: tuple[int, ...]) -> Any:
            part = _sub_model(inferred, inputs, outputs, free)
            return onnxruntime.InferenceSession(part, options, providers=providers)

        self._front = session([input_name], [SPECTROGRAM], (0,))
        self._trunk = session([SPECTROGRAM], [TRUNK_OUT], (0, 2))
        self._head = session([TRUNK_OUT], [output_name], (0,))

    def _run_trunk(self, spectrogram: np.ndarray) -> np.ndarray:
        return np.asarray(self._trunk.run(None, {SPECTROGRAM: spectrogram})[0])

    def raw_scores(self, audio: np.ndarray, starts: list[int]) -> list[np.ndarray]:
        """The network's raw [SIG, BAK, OVRL] for the windows of ``audio`` starting at the given
        seconds (each window WINDOW_SAMPLES long, all inside ``audio``), in order."""
        r = self.receptive
        scores: list[np.ndarray] = []
        previous: tuple[int, np.ndarray] | None = None
        for start in starts:
            first = start * SAMPLE_RATE
            segment = np.ascontiguousarray(audio[first:first + WINDOW_SAMPLES], dtype=np.float32)
            if len(segment) != WINDOW_SAMPLES:
                raise ValueError(f"window at {start} s is {len(segment)} samples, not {WINDOW_SAMPLES}")
            spectrogram = np.asarray(self._front.run(None, {self._front.get_inputs()[0].name: segment[None]})[0])
            if previous is not None and previous[0] == start - 1:
                before = previous[1]
                left = self._run_trunk(spectrogram[:, :, : 2 * r])[:, :, :r]
                right = self._run_trunk(spectrogram[:, :, FRAMES - HOP_FRAMES - 2 * r:])[:, :, r:]
                trunk = np.concatenate([left, before[:, :, HOP_FRAMES + r: FRAMES - r], right], axis=2)
            else:
                trunk = self._run_trunk(spectrogram)
            scores.append(np.asarray(self._head.run(None, {TRUNK_OUT: trunk})[0][0]))
            previous = (start, trunk)
        return scores
