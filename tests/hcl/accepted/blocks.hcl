empty {}
one_line { a = 1 }
bare label_one {}
quoted "label two" {}
two "x" "y" {
  inner = true
}
two "x" "z" {}
repeated {
  n = 1
}
repeated {
  n = 2
}
same "l" {
  n = 1
}
same "l" {
  n = 2
}
outer {
  middle "m" {
    inner {
      value = "deep"
    }
  }
}
