// Edit this line while `npm run dev` runs: the server restarts and answers with the new text.
export const message = 'Hello from watchfiles-node!';
