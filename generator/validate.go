package generator

import (
	"context"
	"fmt"
	"io"

	"github.com/portal-dev/portal/generator/config"
	"github.com/portal-dev/portal/generator/spec"
)

// Validate checks portal.yaml and every description it lists, and returns
// every problem found, ordered by file and line. err is set only for
// problems outside the descriptions (portal.yaml itself, unreadable files).
func Validate(ctx context.Context, configPath string) ([]spec.Problem, error) {
	b, err := NewBuilder(Options{Config: configPath})
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(configPath)
	if err != nil {
		return nil, err
	}
	problems, err := b.loadAPIs(ctx, cfg, nil)
	if _, ok := err.(*ProblemsError); ok {
		err = nil
	}
	return sortedProblems(problems), err
}

// PrintProblems writes problems as compiler-style lines:
//
//	file:line:col: error: message (rule)
//	    hint
func PrintProblems(w io.Writer, problems []spec.Problem) (errors, warnings int) {
	for _, p := range problems {
		loc := p.File
		if p.Line > 0 {
			loc = fmt.Sprintf("%s:%d", loc, p.Line)
			if p.Column > 0 {
				loc = fmt.Sprintf("%s:%d", loc, p.Column)
			}
		}
		rule := ""
		if p.Rule != "" {
			rule = " (" + p.Rule + ")"
		}
		fmt.Fprintf(w, "%s: %s: %s%s\n", loc, p.Severity, p.Message, rule)
		if p.Pointer != "" {
			fmt.Fprintf(w, "    at %s\n", p.Pointer)
		}
		if p.Hint != "" {
			fmt.Fprintf(w, "    fix: %s\n", p.Hint)
		}
		if p.Severity == spec.Error {
			errors++
		} else {
			warnings++
		}
	}
	return errors, warnings
}
