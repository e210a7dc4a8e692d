package host

import (
	"flag"
	"fmt"
	"path/filepath"
)

// configFlag sets one setting from the command line.
type configFlag struct {
	cfg  *Config
	name string
	// module marks a module's setting, stored for the module as it is.
	module bool
}

func (f configFlag) String() string {
	if f.cfg == nil {
		return ""
	}
	v, _ := f.cfg.Get(f.name)
	return v
}

func (f configFlag) Set(v string) error {
	if f.module {
		if f.cfg.Modules == nil {
			f.cfg.Modules = map[string]string{}
		}
		f.cfg.Modules[f.name] = v
		return nil
	}
	return f.cfg.Apply(f.name, v)
}

// RegisterFlags defines a command-line flag for every setting, under its
// Redis name (--port, --save, --dbfilename, ...), plus the shorthands
// --host (bind), --dump (the snapshot path; "" turns persistence off),
// --log-level and --log-format.
func RegisterFlags(fs *flag.FlagSet, cfg *Config) {
	for _, s := range settings {
		fs.Var(configFlag{cfg: cfg, name: s.name}, s.name, s.usage)
	}
	fs.Var(configFlag{cfg: cfg, name: "bind"}, "host", "address to listen on (same as --bind)")
	fs.Var(configFlag{cfg: cfg, name: "loglevel"}, "log-level", "log level (same as --loglevel)")
	fs.Func("dump", `snapshot file path ("" turns persistence off; same as --dir and --dbfilename)`, func(v string) error {
		if v == "" {
			cfg.DBFilename = ""
			return nil
		}
		cfg.Dir, cfg.DBFilename = filepath.Dir(v), filepath.Base(v)
		if cfg.DBFilename == "." || cfg.DBFilename == string(filepath.Separator) {
			return fmt.Errorf("dump: %q is not a file path", v)
		}
		return nil
	})
}
