plain = <<EOF
first line
  indented line

after a blank line
EOF
indented = <<-EOT
    four spaces
      six spaces
    four again
    EOT
in_tuple = [<<A
one
A
, "two"]
literal = <<EOF
$${x} and %%{y} stay literal
EOF
last = 1
