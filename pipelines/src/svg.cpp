#include "svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sluice::pipelines::svg {
namespace {

const char* const kColours[] = {"#3b6ea8", "#d9822b", "#4a9a5b", "#b5443b", "#7c5ba6", "#8c6d46", "#c9609d", "#6b6b6b"};

std::string colour(std::size_t i) { return kColours[i % (sizeof kColours / sizeof kColours[0])]; }

std::string fixed(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

std::string legend(const std::vector<std::string>& names, double x, double y) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double left = x + static_cast<double>(i) * 190;
    out += "<rect class=\"legend\" x=\"" + fixed(left) + "\" y=\"" + fixed(y - 9) + "\" width=\"10\" height=\"10\" fill=\"" +
           colour(i) + "\"/><text x=\"" + fixed(left + 14) + "\" y=\"" + fixed(y) + "\">" + escape(names[i]) + "</text>";
  }
  return out;
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_number(double value) {
  char buffer[32];
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e9) std::snprintf(buffer, sizeof buffer, "%.2fG", value / 1e9);
  else if (magnitude >= 1e6) std::snprintf(buffer, sizeof buffer, "%.2fM", value / 1e6);
  else if (magnitude >= 1e4) std::snprintf(buffer, sizeof buffer, "%.1fk", value / 1e3);
  else if (magnitude == std::floor(magnitude)) std::snprintf(buffer, sizeof buffer, "%.0f", value);
  else if (magnitude >= 10) std::snprintf(buffer, sizeof buffer, "%.1f", value);
  else std::snprintf(buffer, sizeof buffer, "%.3g", value);
  return buffer;
}

std::string bar_chart(const std::string& name, const std::string& title, const std::vector<std::string>& series,
                      const std::vector<Bar>& bars, const std::string& unit) {
  const double label_width = 190, bar_area = 460, row = 22, top = 46;
  const double height = top + row * static_cast<double>(bars.size()) + 16;
  double largest = 0;
  for (const auto& bar : bars) {
    double total = 0;
    for (const double part : bar.parts) total += std::max(0.0, part);
    largest = std::max(largest, total);
  }
  if (largest <= 0) largest = 1;
  std::string out = "<svg class=\"chart\" data-chart=\"" + escape(name) + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"" +
                    fixed(height) + "\" viewBox=\"0 0 760 " + fixed(height) + "\" role=\"img\" aria-label=\"" + escape(title) + "\">";
  out += "<text class=\"title\" x=\"0\" y=\"16\">" + escape(title) + "</text>";
  if (series.size() > 1) out += legend(series, label_width, 34);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double y = top + row * static_cast<double>(i);
    out += "<text x=\"" + fixed(label_width - 6) + "\" y=\"" + fixed(y + 14) + "\" text-anchor=\"end\">" + escape(bars[i].label) + "</text>";
    double x = label_width, total = 0;
    for (std::size_t s = 0; s < bars[i].parts.size(); ++s) {
      const double value = std::max(0.0, bars[i].parts[s]);
      const double width = bar_area * value / largest;
      total += value;
      if (width <= 0) continue;
      out += "<rect class=\"bar\" x=\"" + fixed(x) + "\" y=\"" + fixed(y + 2) + "\" width=\"" + fixed(std::max(width, 0.5)) +
             "\" height=\"" + fixed(row - 6) + "\" fill=\"" + colour(s) + "\"><title>" + escape(bars[i].label) +
             (s < series.size() ? " " + escape(series[s]) : "") + ": " + format_number(value) + " " + escape(unit) + "</title></rect>";
      x += width;
    }
    out += "<text x=\"" + fixed(x + 6) + "\" y=\"" + fixed(y + 14) + "\">" + format_number(total) + " " + escape(unit) + "</text>";
  }
  return out + "</svg>";
}

std::string line_chart(const std::string& name, const std::string& title, const std::string& x_label,
                       const std::string& y_label, const std::vector<Series>& series) {
  const double left = 60, right = 740, top = 46, bottom = 280, height = 320;
  double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      x_min = std::min(x_min, x), x_max = std::max(x_max, x);
      y_min = std::min(y_min, y), y_max = std::max(y_max, y);
    }
  }
  if (!std::isfinite(x_min)) x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  if (x_max <= x_min) x_max = x_min + 1;
  if (y_max <= y_min) y_max = y_min + 1;
  const double pad = (y_max - y_min) * 0.05;
  y_min -= pad, y_max += pad;
  auto sx = [&](double x) { return left + (right - left) * (x - x_min) / (x_max - x_min); };
  auto sy = [&](double y) { return bottom - (bottom - top) * (y - y_min) / (y_max - y_min); };
  std::string out = "<svg class=\"chart\" data-chart=\"" + escape(name) + "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"" +
                    fixed(height) + "\" viewBox=\"0 0 760 " + fixed(height) + "\" role=\"img\" aria-label=\"" + escape(title) + "\">";
  out += "<text class=\"title\" x=\"0\" y=\"16\">" + escape(title) + "</text>";
  std::vector<std::string> names;
  for (const auto& s : series) names.push_back(s.label);
  out += legend(names, left, 34);
  out += "<line class=\"axis\" x1=\"" + fixed(left) + "\" y1=\"" + fixed(bottom) + "\" x2=\"" + fixed(right) + "\" y2=\"" + fixed(bottom) + "\" stroke=\"#444\"/>";
  out += "<line class=\"axis\" x1=\"" + fixed(left) + "\" y1=\"" + fixed(top) + "\" x2=\"" + fixed(left) + "\" y2=\"" + fixed(bottom) + "\" stroke=\"#444\"/>";
  for (int tick = 0; tick <= 4; ++tick) {
    const double fraction = tick / 4.0;
    const double y_value = y_min + (y_max - y_min) * fraction;
    const double x_value = x_min + (x_max - x_min) * fraction;
    out += "<text x=\"" + fixed(left - 6) + "\" y=\"" + fixed(sy(y_value) + 4) + "\" text-anchor=\"end\">" + format_number(y_value) + "</text>";
    out += "<text x=\"" + fixed(sx(x_value)) + "\" y=\"" + fixed(bottom + 16) + "\" text-anchor=\"middle\">" + format_number(x_value) + "</text>";
  }
  out += "<text x=\"" + fixed((left + right) / 2) + "\" y=\"" + fixed(bottom + 34) + "\" text-anchor=\"middle\">" + escape(x_label) + "</text>";
  out += "<text x=\"12\" y=\"" + fixed((top + bottom) / 2) + "\" transform=\"rotate(-90 12 " + fixed((top + bottom) / 2) + ")\" text-anchor=\"middle\">" + escape(y_label) + "</text>";
  for (std::size_t i = 0; i < series.size(); ++i) {
    std::string d;
    for (const auto& [x, y] : series[i].points) {
      if (!std::isfinite(x) || !std::isfinite(y)) continue;
      d += (d.empty() ? "M" : " L") + fixed(sx(x)) + " " + fixed(sy(y));
    }
    if (d.empty()) continue;
    out += "<path class=\"series\" d=\"" + d + "\" fill=\"none\" stroke=\"" + colour(i) + "\" stroke-width=\"2\"><title>" + escape(series[i].label) + "</title></path>";
    if (series[i].points.size() == 1) {
      out += "<circle cx=\"" + fixed(sx(series[i].points[0].first)) + "\" cy=\"" + fixed(sy(series[i].points[0].second)) + "\" r=\"3\" fill=\"" + colour(i) + "\"/>";
    }
  }
  return out + "</svg>";
}

}  // namespace sluice::pipelines::svg
