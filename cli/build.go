package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
)

// ModulePath is redmod's Go module path.
const ModulePath = "github.com/redmod/redmod"

// stdModulePrefix is where the standard modules live; `--with strings`
// means ModulePath/modules/strings.
const stdModulePrefix = ModulePath + "/modules/"

// BuildSpec describes a binary for Build to make.
type BuildSpec struct {
	// With lists the modules, each in one of the forms `redmod build --with`
	// takes: a standard module's short name ("strings"), a package path with
	// an optional version ("example.com/mod@v1.2.0"), a package path with a
	// local folder that holds it ("example.com/mod=../mod"), or a local folder
	// ("./mod") whose package path is found from its go.mod.
	With []string
	// Output is the path of the binary to write.
	Output string
	// Redmod is the folder of redmod's source tree to build against; empty
	// uses the version this program was built from (see redmodSource).
	Redmod string
	// NoAdmin leaves out the admin module (PING, INFO, CONFIG, COMMAND,
	// SAVE, ...), which Build otherwise always adds: without it clients
	// cannot even PING. It is the same as Without: ["admin"].
	NoAdmin bool
	// Without leaves out some of the modules Build always adds (BaseModules).
	Without []string
	// Keep leaves the generated main package in place (Build reports where)
	// instead of removing it.
	Keep bool
	// Log receives the progress and the go tool's output.
	Log io.Writer
}

// BaseModules are the standard modules every binary gets unless left out
// with --without: what every Redis client needs to connect and manage keys.
// admin has the connection and server commands (HELLO, PING, SELECT,
// CLIENT, INFO, CONFIG, COMMAND, ...), acl has AUTH and ACL (without it
// requirepass would lock every client out), keys the generic key commands
// (DEL, EXISTS, EXPIRE, TTL, TYPE, SCAN, ...).
var BaseModules = []string{"admin", "acl", "keys"}

// module is one --with entry, resolved.
type module struct {
	pkg     string // import path of the package to blank-import
	modPath string // its Go module's path, when it needs a require or replace
	version string // version to require ("" with a replace: v0.0.0)
	dir     string // local folder of the module (replace), or ""
}

// parseWith resolves a --with value; base is the folder relative paths
// start from.
func parseWith(spec, base string) (module, error) {
	switch {
	case spec == "":
		return module{}, errors.New("empty --with")
	case strings.Contains(spec, "="):
		pkg, dir, _ := strings.Cut(spec, "=")
		if pkg == "" || dir == "" {
			return module{}, fmt.Errorf("--with %s: want PACKAGE=FOLDER", spec)
		}
		m, err := localModule(abs(base, dir))
		if err != nil {
			return module{}, fmt.Errorf("--with %s: %w", spec, err)
		}
		if m.pkg != pkg {
			// The folder may be the module's root while pkg names one of
			// its packages, or the folder's go.mod may name pkg's module.
			if !strings.HasPrefix(pkg, m.modPath+"/") && pkg != m.modPath {
				return module{}, fmt.Errorf("--with %s: %s holds module %s, not %s", spec, dir, m.modPath, pkg)
			}
			m.pkg = pkg
		}
		return m, nil
	case isLocalPath(spec):
		m, err := localModule(abs(base, spec))
		if err != nil {
			return module{}, fmt.Errorf("--with %s: %w", spec, err)
		}
		return m, nil
	case !strings.ContainsAny(spec, "./@"):
		return module{pkg: stdModulePrefix + spec}, nil
	default:
		pkg, version, _ := strings.Cut(spec, "@")
		return module{pkg: pkg, modPath: pkg, version: version}, nil
	}
}

func isLocalPath(s string) bool {
	return s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") || filepath.IsAbs(s)
}

func abs(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}

// localModule finds the Go module that holds the package in dir: the
// nearest go.mod at or above it.
func localModule(dir string) (module, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return module{}, fmt.Errorf("%s is not a folder", dir)
	}
	for root := dir; ; {
		if path, err := modulePathOf(filepath.Join(root, "go.mod")); err == nil {
			rel, _ := filepath.Rel(root, dir)
			pkg := path
			if rel != "." {
				pkg = path + "/" + filepath.ToSlash(rel)
			}
			return module{pkg: pkg, modPath: path, dir: root}, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return module{}, err
		}
		parent := filepath.Dir(root)
		if parent == root {
			return module{}, fmt.Errorf("no go.mod in %s or above it", dir)
		}
		root = parent
	}
}

// modulePathOf reads the module path from a go.mod file.
func modulePathOf(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s has no module line", gomod)
}

// redmodSource decides how the generated module gets redmod: a released
// version this program was built from is required as such; otherwise
// (a development build, the usual case until redmod is published) the
// source tree this program was compiled from is used through a replace
// directive. It returns the version to require and the folder to replace
// with, one of them empty.
func redmodSource() (version, dir string, err error) {
	if bi, ok := debug.ReadBuildInfo(); ok {
		mod := &bi.Main
		if mod.Path != ModulePath {
			mod = nil
			for _, d := range bi.Deps {
				if d.Path == ModulePath {
					mod = d
				}
			}
		}
		if mod != nil {
			if mod.Replace != nil && isLocalPath(mod.Replace.Path) && filepath.IsAbs(mod.Replace.Path) {
				return "", mod.Replace.Path, nil
			}
			if isRelease(mod.Version) && mod.Replace == nil {
				return mod.Version, "", nil
			}
		}
	}
	// The folder this file was compiled from, unless built with -trimpath.
	_, file, _, ok := runtime.Caller(0)
	if ok {
		root := filepath.Dir(filepath.Dir(file))
		if p, err := modulePathOf(filepath.Join(root, "go.mod")); err == nil && p == ModulePath {
			return "", root, nil
		}
	}
	return "", "", errors.New("cannot tell which redmod to build against; pass --redmod with the folder of its source")
}

// isRelease reports whether v is a tagged version (v1.2.3, v1.2.3-rc.1),
// not a development build, a dirty build or a pseudo-version.
func isRelease(v string) bool {
	return releaseRE.MatchString(v) && !pseudoRE.MatchString(v)
}

var (
	releaseRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	pseudoRE  = regexp.MustCompile(`[0-9]{14}-[0-9a-f]{12}$`)
)

// MainSource returns the generated main package: blank imports of the
// modules and a main that runs Main.
func MainSource(pkgs []string) string {
	var b strings.Builder
	b.WriteString("// Code generated by redmod build; DO NOT EDIT.\n\n")
	b.WriteString("// Command redmod is a redmod server with the modules imported below.\npackage main\n\nimport (\n\t\"os\"\n\n")
	fmt.Fprintf(&b, "\t%q\n", ModulePath+"/cli")
	for _, p := range pkgs {
		fmt.Fprintf(&b, "\t_ %q\n", p)
	}
	b.WriteString(")\n\nfunc main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }\n")
	return b.String()
}

// Build makes a redmod binary with exactly the modules of spec, the way
// xcaddy builds Caddy: it writes a temporary main package that imports them,
// a go.mod that pins redmod and the modules (replace directives for local
// folders), and runs go mod tidy and go build.
func Build(spec BuildSpec) error {
	log := spec.Log
	if log == nil {
		log = io.Discard
	}
	if spec.Output == "" {
		spec.Output = "redmod"
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	output := abs(cwd, spec.Output)
	without := map[string]bool{}
	if spec.NoAdmin {
		without["admin"] = true
	}
	for _, w := range spec.Without {
		if !slices.Contains(BaseModules, w) {
			return fmt.Errorf("--without %s: not one of the modules build adds (%s)", w, strings.Join(BaseModules, ", "))
		}
		without[w] = true
	}
	var mods []module
	for _, b := range BaseModules {
		if !without[b] {
			mods = append(mods, module{pkg: stdModulePrefix + b})
		}
	}
	for _, w := range spec.With {
		m, err := parseWith(w, cwd)
		if err != nil {
			return err
		}
		mods = append(mods, m)
	}
	if len(mods) == 0 {
		return errors.New("no modules: add --with NAME")
	}
	version, redmodDir := "", ""
	if spec.Redmod != "" {
		redmodDir = abs(cwd, spec.Redmod)
		if p, err := modulePathOf(filepath.Join(redmodDir, "go.mod")); err != nil || p != ModulePath {
			return fmt.Errorf("--redmod %s: not redmod's source tree", spec.Redmod)
		}
	} else if version, redmodDir, err = redmodSource(); err != nil {
		return err
	}

	if redmodDir != "" {
		for _, m := range mods {
			if name, ok := strings.CutPrefix(m.pkg, stdModulePrefix); ok && m.dir == "" {
				if _, err := os.Stat(filepath.Join(redmodDir, "modules", filepath.FromSlash(name))); err != nil {
					return fmt.Errorf("--with %s: redmod has no standard module %q (see %s)", name, name, filepath.Join(redmodDir, "modules"))
				}
			}
		}
	}

	work, err := os.MkdirTemp("", "redmod-build-")
	if err != nil {
		return err
	}
	if spec.Keep {
		fmt.Fprintf(log, "redmod build: main package in %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	run := func(args ...string) error {
		fmt.Fprintf(log, "redmod build: go %s\n", strings.Join(args, " "))
		cmd := exec.Command("go", args...)
		cmd.Dir = work
		cmd.Stdout, cmd.Stderr = log, log
		// The generated module is not in a workspace of the caller.
		cmd.Env = append(os.Environ(), "GOWORK=off")
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w", args[0], err)
		}
		return nil
	}
	if err := run("mod", "init", "redmod.build/server"); err != nil {
		return err
	}
	edits := []string{"mod", "edit"}
	var gets []string
	if redmodDir != "" {
		edits = append(edits, "-require", ModulePath+"@v0.0.0", "-replace", ModulePath+"="+redmodDir)
	} else {
		gets = append(gets, ModulePath+"@"+version)
	}
	seen := map[string]bool{}
	var pkgs []string
	for _, m := range mods {
		if !seen[m.pkg] {
			seen[m.pkg] = true
			pkgs = append(pkgs, m.pkg)
		}
		switch {
		case m.dir != "":
			if m.modPath == ModulePath {
				continue // a package of redmod's own tree
			}
			edits = append(edits, "-require", m.modPath+"@v0.0.0", "-replace", m.modPath+"="+m.dir)
		case m.version != "":
			gets = append(gets, m.modPath+"@"+m.version)
		}
	}
	if err := run(edits...); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(work, "main.go"), []byte(MainSource(pkgs)), 0o644); err != nil {
		return err
	}
	if len(gets) > 0 {
		if err := run(append([]string{"get"}, gets...)...); err != nil {
			return err
		}
	}
	if err := run("mod", "tidy"); err != nil {
		return err
	}
	if err := run("build", "-o", output, "."); err != nil {
		return err
	}
	if err := checkRegistered(output, spec.With, mods); err != nil {
		os.Remove(output)
		return err
	}
	fmt.Fprintf(log, "redmod build: wrote %s\n", output)
	return nil
}

// checkRegistered asks the new binary for its modules (`modules`) and fails
// when a --with package registered none: a package that never calls
// registry.Register would otherwise be silently absent.
func checkRegistered(bin string, with []string, mods []module) error {
	out, err := exec.Command(bin, "modules").Output()
	if err != nil {
		return fmt.Errorf("%s modules: %w", bin, err)
	}
	var pkgs []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Split(line, "\t"); len(f) == 3 {
			pkgs = append(pkgs, f[2])
		}
	}
	base := len(mods) - len(with)
	for i, w := range with {
		m := mods[base+i]
		if m.pkg == stdModulePrefix+"std" {
			continue // imports the standard modules, registers none itself
		}
		found := false
		for _, p := range pkgs {
			if p == m.pkg || strings.HasPrefix(p, m.pkg+"/") {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("--with %s: package %s registers no module (a module calls registry.Register from an init function)", w, m.pkg)
		}
	}
	return nil
}

// buildCommand runs `redmod build`.
func buildCommand(args []string, stdout, stderr io.Writer) int {
	var spec BuildSpec
	fs := flag.NewFlagSet("redmod build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Func("with", "a module to include (repeatable): NAME of a standard module, PACKAGE[@VERSION], PACKAGE=FOLDER, or ./FOLDER", func(v string) error {
		spec.With = append(spec.With, v)
		return nil
	})
	fs.StringVar(&spec.Output, "output", "redmod", "path of the binary to write")
	fs.StringVar(&spec.Output, "o", "redmod", "same as --output")
	fs.StringVar(&spec.Redmod, "redmod", "", "folder of redmod's source tree to build against (default: the one this binary was built from)")
	fs.BoolVar(&spec.NoAdmin, "no-admin", false, "same as --without admin")
	fs.Func("without", "leave out a module build always adds (repeatable): admin (PING, HELLO, INFO, CONFIG, ...), acl (AUTH, ACL), keys (DEL, EXPIRE, TTL, ...)", func(v string) error {
		spec.Without = append(spec.Without, v)
		return nil
	})
	fs.BoolVar(&spec.Keep, "keep", false, "keep the generated main package and print where it is")
	verbose := fs.Bool("v", false, "print the go commands and their output")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: redmod build --with MODULE [--with MODULE ...] [--output FILE]\n\n"+
			"Builds a redmod binary with the given modules, plus admin, acl and keys\n"+
			"(what every client needs; leave them out with --without).\n"+
			"  redmod build --with strings --with hashes --output ./myserver\n"+
			"  redmod build --with strings --with example.com/mymodule@v1.2.0\n"+
			"  redmod build --with strings --with example.com/mymodule=../mymodule\n"+
			"  redmod build --with ./mymodule\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "redmod build: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var log strings.Builder
	spec.Log = &log
	if *verbose || spec.Keep {
		spec.Log = stderr
	}
	if err := Build(spec); err != nil {
		fmt.Fprint(stderr, log.String())
		fmt.Fprintf(stderr, "redmod build: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", abs(mustGetwd(), spec.Output))
	return 0
}

func mustGetwd() string {
	d, _ := os.Getwd()
	return d
}
