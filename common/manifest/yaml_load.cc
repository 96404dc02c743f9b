#include "common/manifest/yaml_load.h"

#include <algorithm>
#include <exception>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/manifest/field_errors.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "yaml-cpp/depthguard.h"
#include "yaml-cpp/eventhandler.h"

namespace microscale::manifest_internal {
namespace {

// yaml-cpp stops recursing at this depth and throws DeepRecursion.
constexpr int kYamlCppMaxDepth = 500;

bool IsDocumentMarker(std::string_view line) {
  return line.starts_with("---") &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
}

// The 1-based document that holds 0-based `line`, counted from `---` markers.
size_t DocumentAtLine(std::string_view text, int line) {
  size_t markers = 0;
  bool content_before_first_marker = false;
  for (int i = 0; i <= line && !text.empty(); ++i) {
    size_t end = text.find('\n');
    std::string_view current = text.substr(0, end);
    if (IsDocumentMarker(current)) {
      ++markers;
    } else if (markers == 0 && !current.empty() && current[0] != '#' && current[0] != '%' &&
               current.find_first_not_of(" \t\r") != std::string_view::npos) {
      content_before_first_marker = true;
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return std::max<size_t>(1, markers + (content_before_first_marker ? 1 : 0));
}

absl::Status ErrorAt(std::string_view text, const YAML::Mark& mark, std::string_view what) {
  if (mark.is_null()) return absl::InvalidArgumentError(std::string(what));
  return absl::InvalidArgumentError(absl::StrCat("document ", DocumentAtLine(text, mark.line),
                                                 ": line ", mark.line + 1, ", column ",
                                                 mark.column + 1, ": ", ToAbsl(what)));
}

// Records where each document starts, to notice a parser that makes no progress.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = count_ > 0 && mark.pos == last_.pos;
    last_ = mark;
    ++count_;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  bool stuck() const { return stuck_; }
  size_t count() const { return count_; }
  const YAML::Mark& last() const { return last_; }

 private:
  bool stuck_ = false;
  size_t count_ = 0;
  YAML::Mark last_ = YAML::Mark::null_mark();
};

// Runs yaml-cpp's event parser over `text`; throws what yaml-cpp throws.
absl::Status CheckParserProgress(std::string_view text) {
  std::istringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  DocumentStarts starts;
  while (parser.HandleNextDocument(starts)) {
    // Every real document takes at least one byte, so more documents than bytes is a loop.
    if (starts.stuck() || starts.count() > text.size() + 1) {
      const YAML::Mark& mark = starts.last();
      std::string token = mark.pos >= 0 && static_cast<size_t>(mark.pos) < text.size()
                              ? Quote(text.substr(static_cast<size_t>(mark.pos), 1))
                              : std::string("token");
      return ErrorAt(text, mark, absl::StrCat("invalid YAML: unexpected ", token));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<YAML::Node>> Load(std::string_view text) {
  RETURN_IF_ERROR(CheckParserProgress(text));
  return YAML::LoadAll(std::string(text));
}

}  // namespace

absl::StatusOr<std::vector<YAML::Node>> LoadYamlDocuments(std::string_view text) {
  try {
    return Load(text);
  } catch (const YAML::DeepRecursion& e) {
    return ErrorAt(text, e.mark,
                   absl::StrCat("manifest nests deeper than ", kYamlCppMaxDepth, " levels"));
  } catch (const YAML::Exception& e) {
    return ErrorAt(text, e.mark, absl::StrCat("invalid YAML: ", e.msg));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid YAML: ", e.what()));
  }
}

}  // namespace microscale::manifest_internal
