import "./styles.css";
import { render } from "preact";
import { App } from "./app/app";

const root = document.getElementById("app")!;
root.replaceChildren();
render(<App />, root);
