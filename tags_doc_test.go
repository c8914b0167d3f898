package orm_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/unitofwork/orm/internal/meta"
)

// TestTagReferenceListsEveryOption holds the tag reference in doc.go and
// the tag parser together: every option the parser takes has a row with an
// example, and every row names an option the parser takes.
func TestTagReferenceListsEveryOption(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^//\t(\S+) +orm:"([^"]*)"`)
	var documented []string
	for _, m := range row.FindAllStringSubmatch(string(src), -1) {
		name, example := m[1], m[2]
		if name != "-" && !regexp.MustCompile(`(^|,)`+regexp.QuoteMeta(name)+`(:|,|$)`).MatchString(example) {
			t.Errorf("the row of %s gives the example orm:%q, which is not that option", name, example)
		}
		if name != "-" {
			documented = append(documented, name)
		}
	}
	slices.Sort(documented)
	if diff := cmp.Diff(meta.TagOptions(), documented); diff != "" {
		t.Errorf("the tag reference in doc.go and the parser's options differ (-parser +doc):\n%s", diff)
	}
}
