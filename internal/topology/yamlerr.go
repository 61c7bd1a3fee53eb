package topology

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The YAML library reports a syntax error with one line number and no
// column, and for parser errors that line is the 0-based line of the
// enclosing collection, not of the problem: a '{' left open on line 4 is
// reported at "line 3". syntaxError keeps the library's verdict (the file is
// not YAML, and its words for why) and finds the place itself by reading the
// text: the token where the problem shows, and what opened the construct
// that is left unfinished.

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError places the YAML library's complaint err about data.
func syntaxError(data []byte, err error) (pos Pos, msg, hint string) {
	msg = err.Error()
	libLine := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		libLine, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	// No line at all means the library's marks were on its line 0.
	scanLine := max(libLine, 1)
	t := scanText(data)
	switch {
	case strings.HasPrefix(msg, "did not find expected ',' or "):
		if t.flow != nil {
			f := t.flow
			if f.found != 0 {
				return f.at, msg, fmt.Sprintf("found '%c'; the '%c' opened at %d:%d is closed by '%c'", f.found, f.open, f.opened.Line, f.opened.Col, closerOf(f.open))
			}
			return f.at, msg, fmt.Sprintf("the '%c' opened at %d:%d is not closed", f.open, f.opened.Line, f.opened.Col)
		}
	case msg == "did not find expected node content" && t.flow != nil && t.flow.found == 0:
		// "[a, b," and the end of the file or of the block: a comma
		// waiting for an item, in a list or map that is never closed.
		f := t.flow
		return f.at, msg, fmt.Sprintf("the '%c' opened at %d:%d is not closed", f.open, f.opened.Line, f.opened.Col)
	case strings.HasPrefix(msg, "found unexpected end of stream") && t.quote != nil:
		q := t.quote
		return q.opened, "quoted scalar is never closed", fmt.Sprintf("the %c opened here needs a closing %c before the end of the file", q.open, q.open)
	case msg == "found character that cannot start any token":
		if p, tab := t.badStart(scanLine); p.Line > 0 {
			if tab {
				return p, "tab character in indentation", "YAML indents with spaces only"
			}
			return p, msg, "quote a value that starts with @ or `"
		}
	case msg == "mapping values are not allowed in this context":
		if p, continued := t.misplacedColon(scanLine); p.Line > 0 {
			if continued {
				return p, msg, "this line is indented more than the one before, so it continues that line's value; indent it as its siblings"
			}
			return p, msg, "a value containing ': ' needs quotes"
		}
	case msg == "did not find expected key" || msg == "did not find expected '-' indicator":
		if p, want := t.badDedent(); p.Line > 0 {
			return p, "bad indentation", fmt.Sprintf("this line lines up with no enclosing block; its siblings start at column %d", want)
		}
	}
	// A problem the text reading cannot place: the library's line, which
	// for parser errors ("did not find ...") is counted from 0.
	line := scanLine
	if strings.HasPrefix(msg, "did not find expected") && libLine > 0 {
		line = libLine + 1
	}
	line = min(line, max(len(t.lines), 1))
	return Pos{Line: line, Col: t.firstCol(line)}, msg, "the file is not valid YAML"
}

func closerOf(open rune) rune {
	if open == '{' {
		return '}'
	}
	return ']'
}

// flowProblem is the first flow collection found broken: closed by the
// wrong bracket, or still open where the block structure resumes or the
// file ends.
type flowProblem struct {
	open   rune
	opened Pos
	at     Pos  // where the closing bracket was due
	found  rune // the wrong closing bracket, 0 when none came
}

// quoteProblem is a quoted scalar still open at the end of the file.
type quoteProblem struct {
	open   rune
	opened Pos
}

// textScan is what scanText learns of a file's layout.
type textScan struct {
	lines []string
	// inside[i] tells that line i+1 begins inside a quoted scalar, a flow
	// collection or a block scalar, so its indentation is not structure.
	inside []bool
	flow   *flowProblem
	quote  *quoteProblem
}

var blockScalarRE = regexp.MustCompile(`(^|[\s:-])[|>][0-9+-]*\s*(#.*)?$`)

// scanText walks the file as a YAML scanner would at the level of quotes,
// comments, flow brackets and block scalars: enough to place syntax errors,
// not to read values.
func scanText(data []byte) *textScan {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	t := &textScan{lines: strings.Split(text, "\n")}
	t.inside = make([]bool, len(t.lines))
	type opener struct {
		r   rune
		pos Pos
	}
	var (
		stack      []opener
		flowIndent int  // indentation of the line the outermost open bracket is on
		lastEnd    Pos  // just after the last token inside the open flow collection
		quote      rune // the open quote, 0 outside quoted scalars
		quotePos   Pos  // where it opened
		blockLevel = -1 // indentation of a block scalar's parent line, -1 outside one
	)
	for i, line := range t.lines {
		ln := i + 1
		indent := len(line) - len(strings.TrimLeft(line, " "))
		blank := strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#")
		if blockLevel >= 0 {
			if blank || indent > blockLevel {
				t.inside[i] = true
				continue
			}
			blockLevel = -1
		}
		t.inside[i] = quote != 0 || len(stack) > 0
		if quote == 0 && len(stack) > 0 && !blank && indent <= flowIndent && t.flow == nil {
			top := stack[len(stack)-1]
			t.flow = &flowProblem{open: top.r, opened: top.pos, at: lastEnd}
		}
		runes := []rune(line)
		prev := ' '
		for k := 0; k < len(runes); k++ {
			r, col := runes[k], k+1
			switch {
			case quote != 0:
				switch {
				case quote == '"' && r == '\\':
					k++ // the escaped character ends nothing
				case quote == '\'' && r == '\'' && k+1 < len(runes) && runes[k+1] == '\'':
					k++ // '' is a quote inside the scalar
				case r == quote:
					quote = 0
				}
			case r == '#' && (prev == ' ' || prev == '\t'):
				goto endOfLine
			case r == '"' || r == '\'':
				if tokenStart(prev) {
					quote, quotePos = r, Pos{ln, col}
				}
			case r == '{' || r == '[':
				if tokenStart(prev) || len(stack) > 0 {
					if len(stack) == 0 {
						flowIndent = indent
					}
					stack = append(stack, opener{r, Pos{ln, col}})
				}
			case (r == '}' || r == ']') && len(stack) > 0:
				top := stack[len(stack)-1]
				if closerOf(top.r) != r && t.flow == nil {
					t.flow = &flowProblem{open: top.r, opened: top.pos, at: Pos{ln, col}, found: r}
				}
				stack = stack[:len(stack)-1]
			}
			if len(stack) > 0 && r != ' ' && r != '\t' {
				lastEnd = Pos{ln, min(k, len(runes)-1) + 2}
			}
			prev = r
		}
	endOfLine:
		if quote == 0 && len(stack) == 0 && blockScalarRE.MatchString(line) {
			blockLevel = indent
		}
	}
	if quote != 0 {
		t.quote = &quoteProblem{open: quote, opened: quotePos}
	}
	if len(stack) > 0 && t.flow == nil {
		top := stack[len(stack)-1]
		t.flow = &flowProblem{open: top.r, opened: top.pos, at: lastEnd}
	}
	return t
}

// tokenStart tells whether a token may begin after the character prev.
func tokenStart(prev rune) bool {
	return prev == ' ' || prev == '\t' || prev == '[' || prev == '{' || prev == ','
}

// firstCol is the column of line's first non-blank character.
func (t *textScan) firstCol(line int) int {
	if line < 1 || line > len(t.lines) {
		return 1
	}
	s := t.lines[line-1]
	return utf8.RuneCountInString(s[:len(s)-len(strings.TrimLeft(s, " \t"))]) + 1
}

// badStart finds on line the character no token may start with: a tab in
// the indentation, or an @ or ` beginning a value.
func (t *textScan) badStart(line int) (p Pos, tab bool) {
	if line > len(t.lines) {
		return Pos{}, false
	}
	s := t.lines[line-1]
	lead := s[:len(s)-len(strings.TrimLeft(s, " \t"))]
	if k := strings.IndexByte(lead, '\t'); k >= 0 {
		return Pos{line, k + 1}, true
	}
	col, prev := 0, ' '
	for _, r := range s {
		col++
		if (r == '@' || r == '`' || r == '\t') && tokenStart(prev) {
			return Pos{line, col}, r == '\t'
		}
		prev = r
	}
	return Pos{}, false
}

// misplacedColon finds the ': ' on line the library refused. A line
// indented deeper than the line before continues that line's plain value,
// so its first colon is the wrong one; otherwise the first colon is the
// line's own key and the second is inside an unquoted value.
func (t *textScan) misplacedColon(line int) (p Pos, continued bool) {
	if line > len(t.lines) {
		return Pos{}, false
	}
	var colons []int
	s := t.lines[line-1]
	col, prev := 0, ' '
	for j, r := range s {
		col++
		if r == '#' && prev == ' ' {
			break
		}
		if r == ':' && prev != ' ' && (j+1 == len(s) || s[j+1] == ' ') {
			colons = append(colons, col)
		}
		prev = r
	}
	if len(colons) == 0 {
		return Pos{}, false
	}
	indent := t.firstCol(line)
	for k := line - 1; k >= 1; k-- {
		if trimmed := strings.TrimSpace(t.lines[k-1]); trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if indent > t.firstCol(k) && !strings.HasSuffix(strings.TrimSpace(t.lines[k-1]), ":") {
			return Pos{line, colons[0]}, true
		}
		break
	}
	if len(colons) > 1 {
		return Pos{line, colons[1]}, false
	}
	return Pos{line, colons[0]}, false
}

// badDedent finds the first line that steps back to an indentation no
// enclosing block has, and the column of the nearest enclosing block's
// entries.
func (t *textScan) badDedent() (p Pos, want int) {
	var levels []int
	for i, s := range t.lines {
		trimmed := strings.TrimSpace(s)
		if t.inside[i] || trimmed == "" || strings.HasPrefix(trimmed, "#") || trimmed == "---" || trimmed == "..." || strings.HasPrefix(trimmed, "%") {
			continue
		}
		col := t.firstCol(i + 1)
		if len(levels) == 0 || col > levels[len(levels)-1] {
			levels = append(levels, col)
			continue
		}
		for len(levels) > 0 && levels[len(levels)-1] > col {
			levels = levels[:len(levels)-1]
		}
		if len(levels) == 0 || levels[len(levels)-1] != col {
			want := 1
			if len(levels) > 0 {
				want = levels[len(levels)-1]
			}
			return Pos{i + 1, col}, want
		}
	}
	return Pos{}, 0
}
