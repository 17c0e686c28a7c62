print("cliptune")
