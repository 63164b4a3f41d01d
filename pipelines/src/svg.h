#pragma once
// Inline SVG charts with no scripting: horizontal bars and line series. Every chart is an <svg>
// with data-chart="NAME" so tests and readers can find it.
#include <string>
#include <vector>

namespace sluice::pipelines::svg {

std::string escape(const std::string& text);
std::string format_number(double value);

struct Bar {
  std::string label;
  std::vector<double> parts;  // stacked segments, one per series
};

// Horizontal (stacked) bars with a legend of series names.
std::string bar_chart(const std::string& name, const std::string& title, const std::vector<std::string>& series,
                      const std::vector<Bar>& bars, const std::string& unit);

struct Series {
  std::string label;
  std::vector<std::pair<double, double>> points;  // x, y
};

std::string line_chart(const std::string& name, const std::string& title, const std::string& x_label,
                       const std::string& y_label, const std::vector<Series>& series);

}  // namespace sluice::pipelines::svg
