package acl

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/redmod/redmod/core"
)

// ErrNoACLFile is the reply to ACL LOAD and ACL SAVE without an aclfile.
var ErrNoACLFile = core.NewError("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.")

// LoadFile replaces every user with those of an ACL file ("user <name>
// <rules...>" lines, blank lines and # comments ignored). A user missing
// from the file keeps the default user's defaults. Nothing changes when any
// line is wrong; the error names the file and line, as Redis's does.
func (s *Store) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("Error loading ACLs, opening file '%s': %s", path, unwrapPathError(err))
	}
	next, err := s.parseFile(path, data)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := *s.users.Load()
	s.publish(next)
	s.mu.Unlock()
	var gone []string
	for name := range old {
		if name != "default" {
			gone = append(gone, name)
		}
	}
	if len(gone) > 0 && s.OnRemove != nil {
		s.OnRemove(gone)
	}
	return nil
}

func unwrapPathError(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	s := err.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

const loadWarning = "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"

func (s *Store) parseFile(path string, data []byte) (map[string]*User, error) {
	users := map[string]*User{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		fields := strings.Fields(text)
		if fields[0] != "user" || len(fields) < 2 {
			return nil, fmt.Errorf("%s:%d should start with user keyword followed by the username. %s", path, line, loadWarning)
		}
		name := fields[1]
		if _, dup := users[name]; dup {
			return nil, fmt.Errorf("%s:%d: Duplicate user '%s' found. %s", path, line, name, loadWarning)
		}
		u := s.newUser(name)
		for _, r := range fields[2:] {
			if err := s.apply(u, r); err != nil {
				return nil, fmt.Errorf("%s:%d: Error in applying operation '%s': %s. %s", path, line, r, err.Error(), loadWarning)
			}
		}
		users[name] = u
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if users["default"] == nil {
		users["default"] = s.defaultUser()
	}
	return users, nil
}

// SaveFile writes every user to path atomically: a temporary file in the
// same folder, synced, then renamed over the old one.
func (s *Store) SaveFile(path string) error {
	var b strings.Builder
	for _, u := range s.Users() {
		b.WriteString(s.Describe(u))
		b.WriteByte('\n')
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".acl-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
