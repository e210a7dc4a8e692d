package keys

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redmod/redmod/core"
	"github.com/redmod/redmod/effects"
	"github.com/redmod/redmod/rdb"
)

// MIGRATE moves keys to another server, Redis or redmod, with DUMP
// payloads and RESTORE, as Redis's migrateCommand does: the target's
// connection is cached for 10 seconds (INFO migrate_cached_sockets), the
// keys are restored with their remaining TTL, and each key the target
// accepted is deleted here unless COPY. The network exchange happens while
// the command holds its keys' locks, bounded by the timeout, so the keys
// cannot change between their DUMP and their deletion; other keys are
// served meanwhile.

func init() {
	add(core.Spec{
		Name: "migrate", Arity: -6, Flags: core.FlagWrite | core.FlagMovableKeys,
		FirstKey: 3, LastKey: 3, Step: 1, Keys: migrateKeys, Categories: []string{"dangerous"},
		KeySpecs: []core.KeySpec{
			{Flags: []string{"RW", "access", "delete"}, BeginIndex: 3, LastKey: 0, KeyStep: 1},
			{Flags: []string{"RW", "access", "delete", "incomplete"}, BeginKeyword: "KEYS", KeywordStartFrom: -2, LastKey: -1, KeyStep: 1},
		},
		Summary: "Atomically transfer a key from a Redis instance to another one.",
		Syntax:  "host port:integer (key|\"\") destination-db:integer timeout [COPY] [REPLACE] [[AUTH password]|[AUTH2 username password]] [KEYS key [KEYS key ...]]",
		Tips:    []string{"nondeterministic_output"},
	}, migrate)
}

// migrateKeys finds the keys: the third argument, or those after KEYS.
func migrateKeys(args [][]byte) []int {
	for i := 6; i < len(args); i++ {
		switch {
		case core.EqualFold(args[i], "auth"):
			i++
		case core.EqualFold(args[i], "auth2"):
			i += 2
		case core.EqualFold(args[i], "keys"):
			var out []int
			for j := i + 1; j < len(args); j++ {
				out = append(out, j)
			}
			return out
		}
	}
	if len(args) > 3 && len(args[3]) > 0 {
		return []int{3}
	}
	return nil
}

// migrateConn is a cached connection to a target.
type migrateConn struct {
	nc     net.Conn
	br     *bufio.Reader
	lastDB int64 // -1: no SELECT sent yet
	timer  *time.Timer
}

var (
	migrateMu    sync.Mutex
	migrateConns = map[string]*migrateConn{}
	// migrateCached counts the cached connections (INFO stats).
	migrateCached atomic.Int64
)

// migrateIdle is how long an unused connection stays cached, as Redis's
// MIGRATE_SOCKET_CACHE_TTL.
const migrateIdle = 10 * time.Second

// migrateConnect returns the cached connection to addr or dials one.
func migrateConnect(addr string, timeout time.Duration) (*migrateConn, error) {
	migrateMu.Lock()
	if mc := migrateConns[addr]; mc != nil {
		mc.timer.Reset(migrateIdle)
		migrateMu.Unlock()
		return mc, nil
	}
	migrateMu.Unlock()
	nc, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	mc := &migrateConn{nc: nc, br: bufio.NewReader(nc), lastDB: -1}
	migrateMu.Lock()
	defer migrateMu.Unlock()
	if old := migrateConns[addr]; old != nil { // dialled twice at once
		nc.Close()
		return old, nil
	}
	mc.timer = time.AfterFunc(migrateIdle, func() { migrateDrop(addr, mc) })
	migrateConns[addr] = mc
	migrateCached.Add(1)
	return mc, nil
}

// migrateDrop closes and forgets a cached connection.
func migrateDrop(addr string, mc *migrateConn) {
	migrateMu.Lock()
	defer migrateMu.Unlock()
	if migrateConns[addr] == mc {
		delete(migrateConns, addr)
		migrateCached.Add(-1)
		mc.timer.Stop()
		mc.nc.Close()
	}
}

// readLine reads one status or error reply line, without "\r\n".
func (mc *migrateConn) readLine() (string, error) {
	line, err := mc.br.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return "", errors.New("protocol error")
	}
	return line[:len(line)-2], nil
}

var (
	errMigrateKeysArg = core.NewError("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
	errMigrateConnect = core.NewError("IOERR error or timeout connecting to the client")
	errMigrateWrite   = core.NewError("IOERR error or timeout writing to target instance")
	errMigrateRead    = core.NewError("IOERR error or timeout reading to target instance")
)

func migrate(c *core.Ctx) error {
	copyKeys, replace := false, false
	var auth [][]byte // AUTH's arguments
	first, num := 3, 1
	for i := 6; i < len(c.Args); i++ {
		more := len(c.Args) - i - 1
		switch a := c.Args[i]; {
		case core.EqualFold(a, "copy"):
			copyKeys = true
		case core.EqualFold(a, "replace"):
			replace = true
		case core.EqualFold(a, "auth"):
			if more == 0 {
				return core.ErrSyntax
			}
			auth = [][]byte{c.Args[i+1]}
			c.Redact(i + 1)
			i++
		case core.EqualFold(a, "auth2"):
			if more < 2 {
				return core.ErrSyntax
			}
			auth = [][]byte{c.Args[i+1], c.Args[i+2]}
			c.Redact(i + 1)
			c.Redact(i + 2)
			i += 2
		case core.EqualFold(a, "keys"):
			if len(c.Args[3]) != 0 {
				return errMigrateKeysArg
			}
			first, num = i+1, len(c.Args)-i-1
			i = len(c.Args)
		default:
			return core.ErrSyntax
		}
	}
	timeout, err := core.Int(c.Args[5])
	if err != nil {
		return err
	}
	dbid, err := core.Int(c.Args[4])
	if err != nil {
		return err
	}
	if timeout <= 0 {
		timeout = 1000
	}
	// The keys that exist, with their payloads and remaining TTLs.
	type item struct {
		key     []byte
		payload []byte
		ttl     int64
	}
	var items []item
	for _, k := range c.Args[first : first+num] {
		v := c.DB.Get(k)
		if v == nil {
			continue
		}
		p, err := rdb.Dump(v)
		if err != nil {
			return core.NewError("ERR " + err.Error())
		}
		ttl := int64(0)
		if exp, _ := c.DB.Expiry(k); exp != 0 {
			ttl = max(exp-c.Now(), 1)
		}
		items = append(items, item{k, p, ttl})
	}
	c.SetChanges(0)
	if len(items) == 0 {
		c.WriteSimple("NOKEY")
		return nil
	}
	addr := net.JoinHostPort(string(c.Args[1]), string(c.Args[2]))
	d := time.Duration(timeout) * time.Millisecond
	for attempt := 0; ; attempt++ {
		mc, err := migrateConnect(addr, d)
		if errors.Is(err, syscall.ECONNREFUSED) {
			// Redis connects without blocking and learns of a refusal
			// when it writes: its reply names the write.
			return errMigrateWrite
		}
		if err != nil {
			return errMigrateConnect
		}
		var out []byte
		if auth != nil {
			out = effects.AppendCommand(out, append([][]byte{[]byte("AUTH")}, auth...)...)
		}
		selectDB := mc.lastDB != dbid
		if selectDB {
			out = effects.AppendCommand(out, []byte("SELECT"), strconv.AppendInt(nil, dbid, 10))
		}
		for _, it := range items {
			args := [][]byte{[]byte("RESTORE"), it.key, strconv.AppendInt(nil, it.ttl, 10), it.payload}
			if replace {
				args = append(args, []byte("REPLACE"))
			}
			out = effects.AppendCommand(out, args...)
		}
		mc.nc.SetDeadline(time.Now().Add(d))
		if _, err := mc.nc.Write(out); err != nil {
			migrateDrop(addr, mc)
			if attempt == 0 && !isTimeout(err) {
				continue // a stale cached connection: once more
			}
			return errMigrateWrite
		}
		// The replies: AUTH's and SELECT's, then one per key. A key the
		// target accepted is deleted here (unless COPY) even when another
		// was refused, as Redis does; none is when AUTH or SELECT failed.
		targetErr, setupErr := "", false
		var lines []string
		n := len(items)
		if auth != nil {
			n++
		}
		if selectDB {
			n++
		}
		for i := 0; i < n; i++ {
			line, err := mc.readLine()
			if err != nil {
				migrateDrop(addr, mc)
				return errMigrateRead
			}
			lines = append(lines, line)
		}
		setup := lines[:n-len(items)]
		for _, l := range setup {
			if l[0] == '-' {
				setupErr = true
				if targetErr == "" {
					targetErr = l[1:]
				}
			}
		}
		if selectDB && !setupErr {
			mc.lastDB = dbid
		}
		deleted := int64(0)
		for i, it := range items {
			l := lines[len(setup)+i]
			if l[0] == '-' {
				if targetErr == "" {
					targetErr = l[1:]
				}
				continue
			}
			if !setupErr && !copyKeys {
				c.DB.Delete(it.key)
				deleted++
			}
		}
		if targetErr != "" {
			mc.lastDB = -1
		}
		c.SetChanges(deleted)
		mc.nc.SetDeadline(time.Time{})
		if targetErr != "" {
			return core.NewError("ERR Target instance replied with error: " + targetErr)
		}
		c.WriteOK()
		return nil
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
