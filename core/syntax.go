package core

import (
	"fmt"
	"strings"
)

// Syntax: a command's arguments written as Redis's documentation writes
// them ("key value [NX|XX] [GET] [EX seconds|PX milliseconds]"), parsed
// once at registration into the argument tree of COMMAND DOCS (Spec.Args),
// the arity and the key positions, so that a spec says each of them once.
//
//   - a lower-case word is an argument; its name gives its type: key (and
//     names ending in "key", destination, source) is a key, count,
//     seconds, milliseconds, timeout, offset, index, start, stop, end,
//     numkeys, cursor, db and increment are integers, score, min, max,
//     longitude, latitude and radius doubles, pattern a pattern,
//     unix-time-seconds and unix-time-milliseconds unix times; name:type
//     says it explicitly (amount:double);
//   - an upper-case word is a token: before an argument it introduces it
//     (EX seconds), alone it is a pure token (GET);
//   - [...] is optional, a|b|c are alternatives (a oneof), "x [x ...]"
//     repeats x, and a bracket holding a token and several arguments is a
//     block (LIMIT offset count).

// ParseSyntax parses a command's syntax into COMMAND DOCS arguments.
func ParseSyntax(syntax string) ([]Arg, error) {
	p := &syntaxParser{toks: tokenizeSyntax(syntax)}
	args, err := p.seq()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("syntax %q: unexpected %q", syntax, p.toks[p.i])
	}
	return args, nil
}

func tokenizeSyntax(s string) []string {
	var out []string
	word := strings.Builder{}
	flush := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n':
			flush()
		case '[', ']', '(', ')', '|':
			flush()
			out = append(out, string(r))
		default:
			word.WriteRune(r)
		}
	}
	flush()
	return out
}

type syntaxParser struct {
	toks []string
	i    int
}

func (p *syntaxParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

// alts parses a|b|c: one sequence, or a oneof of several.
func (p *syntaxParser) alts() ([]Arg, error) {
	first, err := p.seq()
	if err != nil {
		return nil, err
	}
	if p.peek() != "|" {
		return first, nil
	}
	choices := []Arg{group(first)}
	for p.peek() == "|" {
		p.i++
		next, err := p.seq()
		if err != nil {
			return nil, err
		}
		choices = append(choices, group(next))
	}
	names := make([]string, len(choices))
	for i, c := range choices {
		names[i] = c.Name
	}
	return []Arg{{Name: strings.Join(names, "_"), Type: ArgOneOf, Args: choices}}, nil
}

// group makes one argument of a sequence: itself, or a block.
func group(args []Arg) Arg {
	if len(args) == 1 {
		return args[0]
	}
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a.Name
	}
	return Arg{Name: strings.Join(names, "_"), Type: ArgBlock, Args: args}
}

func (p *syntaxParser) seq() ([]Arg, error) {
	var out []Arg
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		switch t {
		case "]", ")", "|":
			return out, nil
		case "[", "(":
			p.i++
			inner, err := p.alts()
			if err != nil {
				return nil, err
			}
			closing := "]"
			if t == "(" {
				closing = ")"
			}
			repeated := false
			if p.peek() == "..." {
				p.i++
				repeated = true
			}
			if p.peek() != closing {
				return nil, fmt.Errorf("missing %q", closing)
			}
			p.i++
			// "x [x ...]": the bracket repeats the argument before it.
			if repeated {
				if t != "[" || len(out) == 0 || len(inner) != 1 || inner[0].Name != out[len(out)-1].Name {
					return nil, fmt.Errorf("\"...\" must repeat the argument before its bracket: x [x ...]")
				}
				out[len(out)-1].Multiple = true
				continue
			}
			a := inner[0]
			if len(inner) > 1 {
				a = tokenBlock(inner)
			}
			if t == "[" {
				a.Optional = true
			}
			out = append(out, a)
		case "...":
			return out, nil
		default:
			p.i++
			if isToken(t) {
				next := p.peek()
				if next != "" && !isToken(next) && !strings.ContainsAny(next, "[]()|") && next != "..." {
					p.i++
					a := word(next)
					a.Token = t
					out = append(out, a)
					continue
				}
				out = append(out, Arg{Name: strings.ToLower(t), Type: ArgPureToken, Token: t})
				continue
			}
			out = append(out, word(t))
		}
	}
	return out, nil
}

// tokenBlock makes "LIMIT offset count" one block introduced by the token.
func tokenBlock(args []Arg) Arg {
	b := group(args)
	if tok := args[0].Token; tok != "" && args[0].Type != ArgPureToken {
		b.Token = tok
		b.Args[0].Token = ""
	}
	return b
}

func isToken(w string) bool {
	return w != "..." && strings.ToUpper(w) == w && strings.ToLower(w) != w
}

var syntaxTypes = map[string]ArgType{
	"key": ArgKey, "destination": ArgKey, "source": ArgKey,
	"count": ArgInteger, "seconds": ArgInteger, "milliseconds": ArgInteger, "timeout": ArgInteger,
	"offset": ArgInteger, "index": ArgInteger, "start": ArgInteger, "stop": ArgInteger, "end": ArgInteger,
	"numkeys": ArgInteger, "cursor": ArgInteger, "db": ArgInteger, "increment": ArgInteger,
	"score": ArgDouble, "min": ArgDouble, "max": ArgDouble, "longitude": ArgDouble, "latitude": ArgDouble, "radius": ArgDouble,
	"pattern":           ArgPattern,
	"unix-time-seconds": ArgUnixTime, "unix-time-milliseconds": ArgUnixTime,
}

// word makes an argument of a lower-case word (name or name:type).
func word(w string) Arg {
	name, typ, explicit := strings.Cut(w, ":")
	if explicit {
		return Arg{Name: name, Type: ArgType(typ)}
	}
	if t, ok := syntaxTypes[name]; ok {
		return Arg{Name: name, Type: t}
	}
	if strings.HasSuffix(name, "key") {
		return Arg{Name: name, Type: ArgKey}
	}
	return Arg{Name: name, Type: ArgString}
}

// ApplySyntax fills what s leaves unset from s.Syntax: Args, Arity, and the
// key positions (FirstKey, LastKey, Step) when the keys stand at fixed
// places among the required arguments, or repeat at the end ("key
// [key ...]"). The registry calls it once, at registration; subcommand
// says the spec is a subcommand's, whose arguments follow two words.
func (s *Spec) ApplySyntax(subcommand bool) error {
	if s.Syntax == "" {
		return nil
	}
	args, err := ParseSyntax(s.Syntax)
	if err != nil {
		return fmt.Errorf("command %q: %w", s.Name, err)
	}
	if s.Args == nil {
		s.Args = args
	}
	// Positions of the required arguments, counting the command's name
	// (and a subcommand's) as Redis's arity does.
	pos := 1
	if subcommand {
		pos = 2
	}
	required, variable := pos, false
	var keys []int
	lastMultiKey := false
	for _, a := range args {
		if a.Optional {
			variable = true
			continue
		}
		width := argWidth(a)
		if width < 0 {
			variable = true
			width = -width
		}
		if a.Type == ArgKey && !variable {
			keys = append(keys, required)
			lastMultiKey = a.Multiple
		} else if a.Type == ArgKey {
			keys = nil // keys after a variable part: give a Keys function
			break
		}
		if a.Multiple {
			variable = true
		}
		required += width
	}
	if s.Arity == 0 {
		s.Arity = required
		if variable {
			s.Arity = -required
		}
	}
	if s.FirstKey == 0 && s.Keys == nil && len(keys) > 0 {
		step := 1
		if len(keys) > 1 {
			step = keys[1] - keys[0]
			for i := 2; i < len(keys); i++ {
				if keys[i]-keys[i-1] != step {
					return fmt.Errorf("command %q: keys at irregular places; give FirstKey/LastKey/Step or Keys", s.Name)
				}
			}
		}
		s.FirstKey, s.LastKey, s.Step = keys[0], keys[len(keys)-1], step
		if lastMultiKey && len(keys) == 1 {
			s.LastKey = -1
		}
	}
	return nil
}

// argWidth is the number of words a required argument takes (negative:
// at least that many).
func argWidth(a Arg) int {
	n := 1
	switch a.Type {
	case ArgBlock:
		n = 0
		for _, b := range a.Args {
			w := argWidth(b)
			if w < 0 {
				w = -w
			}
			if !b.Optional {
				n += w
			}
		}
	case ArgOneOf:
		n = 1
		for _, b := range a.Args {
			if w := argWidth(b); w != 1 {
				return -1
			}
		}
	}
	if a.Token != "" && a.Type != ArgPureToken {
		n++
	}
	return n
}
