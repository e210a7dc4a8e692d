package host

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/registry"
)

// LoadConfigFile applies a configuration file in Redis's syntax to cfg:
// one `name value ...` line per setting, `#` comments, arguments quoted as
// redis.conf quotes them. Several `save` lines add up, as in Redis. The file
// is remembered (cfg.ConfigFile) so that CONFIG REWRITE can update it.
func LoadConfigFile(path string, cfg *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var saves []string
	sawSave := false
	for i, line := range strings.Split(string(data), "\n") {
		args, err := splitConfigLine(line)
		if err != nil {
			return fmt.Errorf("%s, line %d: >>> '%s': %v", path, i+1, strings.TrimSpace(line), err)
		}
		if len(args) == 0 {
			continue
		}
		name := strings.ToLower(args[0])
		if name == "save" {
			sawSave = true
			v := strings.Join(args[1:], " ")
			if strings.TrimSpace(v) == "" {
				saves = nil
			} else {
				saves = append(saves, v)
			}
			continue
		}
		if len(args) < 2 {
			return fmt.Errorf("%s, line %d: >>> '%s': wrong number of arguments", path, i+1, strings.TrimSpace(line))
		}
		if err := cfg.Apply(name, strings.Join(args[1:], " ")); err != nil {
			return fmt.Errorf("%s, line %d: >>> '%s': %v", path, i+1, strings.TrimSpace(line), err)
		}
	}
	if sawSave {
		if err := cfg.Apply("save", strings.Join(saves, " ")); err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	cfg.ConfigFile = abs
	return nil
}

// splitConfigLine splits a line into arguments as Redis's sdssplitargs
// does: spaces separate, "..." understands \n \r \t \b \a \xHH and \",
// '...' understands \'. A line starting with '#' is a comment.
func splitConfigLine(line string) ([]string, error) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return nil, nil
	}
	var args []string
	i := 0
	for {
		for i < len(line) && isConfigSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			return args, nil
		}
		var cur []byte
		switch line[i] {
		case '"':
			i++
			for {
				if i >= len(line) {
					return nil, fmt.Errorf("unbalanced quotes")
				}
				c := line[i]
				if c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
					n, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
					cur = append(cur, byte(n))
					i += 4
					continue
				}
				if c == '\\' && i+1 < len(line) {
					i++
					switch line[i] {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					default:
						c = line[i]
					}
					cur = append(cur, c)
					i++
					continue
				}
				if c == '"' {
					i++
					if i < len(line) && !isConfigSpace(line[i]) {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					break
				}
				cur = append(cur, c)
				i++
			}
		case '\'':
			i++
			for {
				if i >= len(line) {
					return nil, fmt.Errorf("unbalanced quotes")
				}
				c := line[i]
				if c == '\\' && i+1 < len(line) && line[i+1] == '\'' {
					cur = append(cur, '\'')
					i += 2
					continue
				}
				if c == '\'' {
					i++
					if i < len(line) && !isConfigSpace(line[i]) {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					break
				}
				cur = append(cur, c)
				i++
			}
		default:
			for i < len(line) && !isConfigSpace(line[i]) {
				cur = append(cur, line[i])
				i++
			}
		}
		args = append(args, string(cur))
	}
}

func isConfigSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

// quoteConfig renders a string argument as CONFIG REWRITE writes it: in
// double quotes, with the escapes splitConfigLine reads back.
func quoteConfig(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c < ' ' || c > '~' {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// configLines returns the lines CONFIG REWRITE writes for a setting.
func configLines(st *setting, c *Config) []string {
	v := st.get(c)
	switch {
	case st.name == "save":
		if len(c.Save) == 0 {
			return []string{`save ""`}
		}
		var out []string
		for _, r := range c.Save {
			out = append(out, fmt.Sprintf("save %d %d", r.Seconds, r.Changes))
		}
		return out
	case st.quoted || v == "" || strings.ContainsAny(v, "\"'#"):
		// Empty values and values with quotes must be quoted to read back.
		return []string{st.name + " " + quoteConfig(v)}
	}
	return []string{st.name + " " + v}
}

// ConfigRewrite implements core.Server, as Redis rewrites redis.conf: a
// setting's existing line is replaced in place (further lines for it are
// blanked), comments and lines redmod does not know stay as they are, and
// settings that differ from the defaults but have no line yet are appended
// under "# Generated by CONFIG REWRITE".
func (s *Server) ConfigRewrite() error {
	s.cfgMu.RLock()
	cfg := s.cfg
	path := s.cfg.ConfigFile
	s.cfgMu.RUnlock()
	if path == "" {
		return core.NewError("ERR The server is running without a config file")
	}
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		s.log.Error("CONFIG REWRITE failed", "file", path, "error", err)
		return core.NewError("ERR Rewriting config file: " + err.Error())
	}
	def := DefaultConfig()
	// The running dir is absolute; the default, as New makes it.
	def.Dir, _ = filepath.Abs(def.Dir)
	pending := map[string][]string{}
	var order []string
	for i := range settings {
		st := &settings[i]
		if st.alias {
			continue
		}
		pending[st.name] = configLines(st, &cfg)
		order = append(order, st.name)
	}
	seen := map[string]bool{}
	var out []string
	text := strings.TrimSuffix(string(old), "\n")
	if text != "" {
		for _, line := range strings.Split(text, "\n") {
			args, err := splitConfigLine(line)
			if err != nil || len(args) == 0 {
				out = append(out, line)
				continue
			}
			name := strings.ToLower(args[0])
			lines, ok := pending[name]
			if !ok {
				if findSetting(name) == nil {
					// An alias line keeps its name and takes the value of
					// the setting it stands for.
					if v, ok := cfg.Modules[canonicalSetting(registry.Default, name)]; ok {
						out = append(out, name+" "+quoteConfig(v))
						seen[name] = true
						continue
					}
				}
				out = append(out, line)
				continue
			}
			seen[name] = true
			if len(lines) == 0 {
				out = append(out, "")
				continue
			}
			out = append(out, lines[0])
			pending[name] = lines[1:]
		}
	}
	var extra []string
	for _, name := range order {
		lines := pending[name]
		if len(lines) == 0 {
			continue
		}
		st := findSetting(name)
		if !seen[name] && st.get(&cfg) == st.get(&def) {
			continue
		}
		extra = append(extra, lines...)
	}
	if len(extra) > 0 {
		if !bytes.Contains(old, []byte("# Generated by CONFIG REWRITE")) {
			out = append(out, "", "# Generated by CONFIG REWRITE")
		}
		out = append(out, extra...)
	}
	if err := writeFileAtomic(path, []byte(strings.Join(out, "\n")+"\n"), func() bool { return true }); err != nil {
		s.log.Error("CONFIG REWRITE failed", "file", path, "error", err)
		return core.NewError("ERR Rewriting config file: " + err.Error())
	}
	return nil
}
