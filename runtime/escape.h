// Text that came from outside (a peer's address, a body), made safe to put
// in a log line or an error message: it can neither end the line, nor move
// the cursor, nor drive the terminal.
#ifndef OCKAM_RUNTIME_ESCAPE_H_
#define OCKAM_RUNTIME_ESCAPE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "runtime/address.h"

namespace ockam {

// `text` with every byte that could change how a line reads rendered
// visibly, and printable UTF-8 kept as it is:
//   \n \r \t \\         newline, carriage return, tab, backslash
//   \xNN                any other byte below 0x20, DEL (0x7f), each byte of
//                       invalid UTF-8 (stray continuation bytes, overlong
//                       forms, surrogates, code points past U+10FFFF, cut-off
//                       sequences), and each byte of the valid code points
//                       that act on a line: the C1 controls U+0080..U+009F
//                       (U+009B is a terminal's CSI), the line and paragraph
//                       separators U+2028/U+2029 and the bidirectional
//                       overrides U+202A..U+202E, U+2066..U+2069
// So the result is one line of printable text, and, backslash being escaped
// too, it reads back unambiguously.
std::string escaped(std::string_view text);

namespace detail {

// escaped() appended to `out`; with keep_backslash, a backslash stays as it
// is (the log's last guard, over lines whose untrusted parts are escaped
// already: their backslashes must not be doubled).
void append_escaped(std::string& out, std::string_view text, bool keep_backslash = false);

// The length of the character at text[i] if escaped() keeps it as it is
// (printable ASCII but the backslash, or printable UTF-8: 2 to 4 bytes),
// else 0. For other formats' escapes (runtime/metrics.cc).
std::size_t printable_length(std::string_view text, std::size_t i);

// "'" + escaped(text) + "'": how errors and log lines quote an address or a
// name that may have come from a peer.
std::string quoted(std::string_view text);
inline std::string quoted(const Address& address) { return quoted(std::string_view(address.to_string())); }

}  // namespace detail
}  // namespace ockam

#endif  // OCKAM_RUNTIME_ESCAPE_H_
