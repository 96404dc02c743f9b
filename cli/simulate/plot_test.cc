// The SVG plot of a simulation.
#include "cli/simulate/plot.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace microscale::simulate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(PlotTest, OnePanelPerAppWithLinesAxesLegendAndPreemptions) {
  PlotCollector plot({"api", "<worker&co>"});
  for (int t = 0; t < 10; ++t) {
    plot.OnStep(t, {{0, 2.0 * t, t, t, t / 2, 0, 0, 0},
                    {1, 5.0, 4, 4, t < 5 ? 4 : 0, 0, t == 5 ? 4 : 0, 0}});
  }
  std::string svg = plot.Svg(false);
  EXPECT_TRUE(absl::StartsWith(svg, "<?xml")) << svg.substr(0, 80);
  EXPECT_THAT(svg, HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  EXPECT_EQ(Count(svg, "<g>"), 2);
  EXPECT_THAT(svg, HasSubstr(">api</text>"));
  EXPECT_THAT(svg, HasSubstr(">&lt;worker&amp;co&gt;</text>"));
  EXPECT_THAT(svg, Not(HasSubstr("<worker")));
  EXPECT_EQ(Count(svg, "demand (left axis)"), 2);
  EXPECT_EQ(Count(svg, "running containers (right axis)"), 2);
  EXPECT_EQ(Count(svg, ">seconds</text>"), 2);
  EXPECT_EQ(Count(svg, "stroke-width=\"1.5\""), 4);  // demand and running, per app
  EXPECT_THAT(svg, HasSubstr("<title>4 preempted at 5 s</title>"));
  EXPECT_EQ(Count(svg, "preempted at"), 1);
}

TEST(PlotTest, LongRunsAreThinnedButKeepTheirPreemptions) {
  PlotCollector plot({"api"});
  for (int t = 0; t < 20'000; ++t)
    plot.OnStep(t, {{0, 1.0, 1, 1, 1, 0, t % 1000 == 999 ? 1 : 0, 0}});
  std::string svg = plot.Svg(true);
  EXPECT_THAT(svg, HasSubstr("backlog (items) (left axis)"));
  const std::vector<std::string> commands = absl::StrSplit(svg, " H");
  EXPECT_LE(commands.size(), 2 * (kMaxPlotPoints + 1) + 1);
  int preempted = 0;
  for (size_t at = svg.find("<title>"); at != std::string::npos; at = svg.find("<title>", at + 1)) {
    preempted += svg[at + 7] - '0';
  }
  EXPECT_EQ(preempted, 20);
}

TEST(PlotTest, EscapesEveryXmlSpecialCharacter) {
  EXPECT_EQ(XmlEscape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
}

}  // namespace
}  // namespace microscale::simulate
