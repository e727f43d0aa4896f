// The drawing renderer of step explanations (explain_model.h): one self-contained SVG document
// per step, drawn from the same Explanation the text renderer writes out.
//
// From top to bottom: a heading; each split value as a bar of bit fields, one coloured box per
// field that chose a structure (the IOVA's per-level indexes, the source-id's bus and devfn,
// an MSI's handle); the step's story, where every structure on the path is a box with its
// section, what chose it, its address, raw value and decoded fields, in the colour of the
// field that chose it, linked by arrows (cache hits, writes and the fault marked with a badge);
// and the outcome in a green (result) or red (fault) box.
//
// Deterministic: integer coordinates, no timestamps, text only from the explanation. Fonts are
// generic families (monospace, sans-serif), so a renderer needs no files.
#ifndef VTDSIM_MODEL_SCENARIO_EXPLAIN_SVG_H_
#define VTDSIM_MODEL_SCENARIO_EXPLAIN_SVG_H_

#include <string>
#include <string_view>

#include "model/scenario/explain_model.h"

namespace vtd::scenario {

inline constexpr int kExplainSvgWidth = 1000;  // every drawing's width in pixels

// The SVG document for `explanation`, with `heading` (e.g. "tutorial-01 step 3: dma") on top.
// Its root element carries width, height and a matching viewBox, in pixels.
std::string RenderExplanationSvg(const Explanation& explanation, std::string_view heading);

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_EXPLAIN_SVG_H_
