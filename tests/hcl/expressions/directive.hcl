a = "%{ if true }yes%{ endif }"
