package captions

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	in := "\ufeff# file\tcaption\r\nimgs/cat.png\ta cat\n\nC:\\pics\\dog.jpg\t  a dog  \nno tab here\ncat.png\tanother cat\n\tno file\n"
	got, problems := Parse([]byte(in))
	want := map[string]string{"cat.png": "a cat", "dog.jpg": "a dog"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("captions %v, want %v", got, want)
	}
	wantProblems := []string{"line 5 has no tab between the file and the caption", "line 6 names cat.png again", "line 7 names no file"}
	if !reflect.DeepEqual(problems, wantProblems) {
		t.Errorf("problems %q, want %q", problems, wantProblems)
	}
}
