console.log("</head> stays as it is");
