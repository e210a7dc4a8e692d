// Package cli is the command line of redmod binaries: it starts the server
// with the modules the binary was built with, and answers the subcommands
// that describe the binary. A trimmed binary's main calls Main too.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"syscall"

	"github.com/redmod/redmod/host"
	"github.com/redmod/redmod/registry"
)

// Main runs the redmod command line with args (without the program name)
// and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "modules":
			return listModules(stdout)
		case "build":
			return buildCommand(args[1:], stdout, stderr)
		case "commands":
			return printCommands(args[1:], stdout, stderr, registry.Default)
		case "version":
			fmt.Fprintf(stdout, "redmod %s (Redis %s compatible)\n", host.Version, host.RedisVersion)
			return 0
		}
	}
	cfg := host.DefaultConfig()
	// A configuration file is read first, whether given as `redmod FILE`
	// (like redis-server FILE) or --config FILE; flags then override it.
	if file, rest, ok := configFileArg(args); ok {
		// A mistyped subcommand ("redmod modles") is not a file name.
		if _, err := os.Stat(file); err != nil && len(args) > 0 && file == args[0] && !strings.ContainsAny(file, "./\\") {
			fmt.Fprintf(stderr, "redmod: unknown command %q (commands: modules, commands, version, build; a configuration file is read from a path)\n%s", file, helpHint)
			return 2
		}
		if err := host.LoadConfigFile(file, &cfg); err != nil {
			fmt.Fprintf(stderr, "redmod: config file: %v\n", err)
			return 1
		}
		args = rest
	}
	fs := flag.NewFlagSet("redmod", flag.ContinueOnError)
	// A bad flag gets one line and a pointer to --help, not the whole
	// usage; --help prints the usage to stdout.
	fs.SetOutput(io.Discard)
	fs.String("config", "", "configuration file in Redis's syntax (also `redmod FILE`); CONFIG REWRITE updates it")
	host.RegisterFlags(fs, &cfg)
	host.RegisterModuleFlags(fs, &cfg, registry.Default)
	// The flag package calls Usage on every parse error; the usage is
	// printed only for --help (below).
	fs.Usage = func() {}
	args, err := moduleArgs(fs, &cfg, args)
	if err != nil {
		fmt.Fprintf(stderr, "redmod: %v\n%s", err, helpHint)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "Usage: redmod [FILE] [flags]\n       redmod modules | commands | version\n       redmod build --with MODULE ... [--output FILE]\n\nFlags (Redis setting names):\n")
			printFlags(stdout, fs)
			return 0
		}
		fmt.Fprintf(stderr, "redmod: %v\n%s", err, helpHint)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "redmod: unexpected argument %q\n%s", fs.Arg(0), helpHint)
		return 2
	}
	srv, err := host.New(cfg, registry.Default)
	if err != nil {
		fmt.Fprintf(stderr, "redmod: %v\n", err)
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	for {
		select {
		case s := <-sig:
			srv.Logger().Info("received signal, shutting down", "signal", s.String())
			// A failed final save keeps the server running, as Redis
			// does: the data is still in memory, and another signal tries
			// again.
			if err := srv.Terminate(); err != nil {
				select {
				case <-srv.Done(): // stopped, but the last save failed
					return 1
				default:
					continue
				}
			}
			return 0
		case <-srv.Done():
			if err := <-errc; err != nil {
				srv.Logger().Error("server failed", "error", err)
				return 1
			}
			return 0
		case err := <-errc:
			if err != nil {
				srv.Logger().Error("server failed", "error", err)
				srv.Close()
				return 1
			}
			return 0
		}
	}
}

// helpHint follows a command-line error.
const helpHint = "Run 'redmod --help' for the flags and commands.\n"

// moduleArgs takes the dotted settings no flag is defined for
// (--mymod.setting value, --mymod.setting=value) out of args and applies
// them to cfg: a module that reads settings without declaring them
// (core.Configurable) still gets them from the command line, and host.New
// rejects names of modules the binary does not contain.
func moduleArgs(fs *flag.FlagSet, cfg *host.Config, args []string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !strings.Contains(name, ".") || fs.Lookup(name) != nil {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag needs an argument: %s", a)
			}
			i++
			value = args[i]
		}
		if err := cfg.Apply(name, value); err != nil {
			return nil, err
		}
	}
	return rest, nil
}

// configFileArg finds the configuration file among the arguments: a first
// argument that is not a flag, or --config FILE / --config=FILE. It returns
// the remaining arguments without the file.
func configFileArg(args []string) (file string, rest []string, ok bool) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:], true
	}
	for i, a := range args {
		switch {
		case a == "--config" || a == "-config":
			if i+1 < len(args) {
				return args[i+1], append(append([]string(nil), args[:i]...), args[i+2:]...), true
			}
		case strings.HasPrefix(a, "--config=") || strings.HasPrefix(a, "-config="):
			_, v, _ := strings.Cut(a, "=")
			return v, append(append([]string(nil), args[:i]...), args[i+1:]...), true
		case a == "--":
			return "", args, false
		}
	}
	return "", args, false
}

// listModules prints each module of the binary: its name, its number of
// commands and the Go package it comes from.
func listModules(w io.Writer) int {
	for _, m := range registry.Default.Modules() {
		t := reflect.TypeOf(m)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		fmt.Fprintf(w, "%s\t%d commands\t%s\n", m.Name(), len(m.Commands()), t.PkgPath())
	}
	return 0
}

// printFlags prints the flags' usage, with the Redis parameters accepted
// for compatibility only (they change nothing here) named in one paragraph
// after the settings that act, so they do not bury them.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	acting := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	var compat []string
	fs.VisitAll(func(f *flag.Flag) {
		if host.IsCompatSetting(f.Name) {
			compat = append(compat, f.Name)
			return
		}
		acting.Var(f.Value, f.Name, f.Usage)
	})
	acting.SetOutput(w)
	acting.PrintDefaults()
	if len(compat) == 0 {
		return
	}
	fmt.Fprintf(w, "\nAlso accepted, for Redis configuration files and tools; no effect in redmod:\n")
	line := " "
	for _, name := range compat {
		if len(line)+len(name)+1 > 78 {
			fmt.Fprintln(w, line)
			line = " "
		}
		line += " " + name
	}
	fmt.Fprintln(w, line)
}
