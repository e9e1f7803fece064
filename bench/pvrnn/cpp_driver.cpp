// The C++ side of the PV-RNN benchmark: h-idei/pvrnn_cpp_sa's network classes (its
// network.hpp, included from the checkout run.sh is given; nothing of it is in this
// repository) wired as plugbench's pvrnn chain: a top PVRNNTopLayer (D2 units, Z2 latents),
// a PVRNNLayer below it taking the top layer's d (D1, Z1), and an Output of X tanh units;
// or, with D2 = 0, a single PVRNNTopLayer under the Output. Its training epoch is the body
// of learning.cpp's loop over epochs (full batch, forward and backward per sequence, the
// sums over sequences, the loss, RAdam), without the file output; its error regression is
// the body of error_regression.cpp's loop over time steps for one (window, iterations,
// learning rate). Built by run.sh with g++ -O3 and no OpenMP: one thread.
//
//   cpp_driver N T X D1 Z1 TAU1 W1 D2 Z2 TAU2 W2 EPOCHS REPS WINDOW ITERS ER_LR
//
// run in a directory holding learning_data/ and test_data/ (bench_pvrnn write); prints
//   cpp <rep> <ms per epoch> <ms per error-regression step>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "network.hpp" // the checkout's: its classes are what is measured

#define ADAM1 0.9
#define ADAM2 0.999
#define WEIGHT_DECAY 0.0001 // learning.cpp's

using vvd = vector<vector<double>>;
using vvvd = vector<vvd>;

static double now()
{
    return chrono::duration<double>(chrono::steady_clock::now().time_since_epoch()).count();
}

// RAdam's per-step constants as learning.cpp computes them.
struct radam {
    double rho, r, m1, l2;
    explicit radam(int epoch)
    {
        double rho_inf = 2.0 / (1.0 - ADAM2) - 1.0;
        rho = rho_inf - 2.0 * (epoch + 1) * pow(ADAM2, epoch + 1) / (1.0 - pow(ADAM2, epoch + 1));
        r = sqrt((rho - 4.0) * (rho - 2.0) * rho_inf / (rho_inf - 4.0) / (rho_inf - 2.0) / rho);
        m1 = 1.0 / (1.0 - pow(ADAM1, epoch + 1));
        l2 = 1.0 - pow(ADAM2, epoch + 1);
    }
};

int main(int argc, char **argv)
{
    if (argc != 17) {
        fprintf(stderr, "cpp_driver: 16 arguments expected\n");
        return 2;
    }
    int N = atoi(argv[1]), T = atoi(argv[2]), X = atoi(argv[3]);
    int d1 = atoi(argv[4]), z1 = atoi(argv[5]), d2 = atoi(argv[8]), z2 = atoi(argv[9]);
    double tau1 = atof(argv[6]), w1 = atof(argv[7]), tau2 = atof(argv[10]), w2 = atof(argv[11]);
    int epochs = atoi(argv[12]), reps = atoi(argv[13]), window = atoi(argv[14]),
        iterations = atoi(argv[15]);
    double alpha = atof(argv[16]);
    bool two = d2 > 0;

    vector<int> length(N, 0);
    vvvd target(N, vvd(T, vector<double>(X, 0)));
    set_target_data(length, target, "learning_data");

    string pt = "./learning_model/top", pl = "./learning_model/low", po = "./learning_model/out";
    string gt = "./learning_generation/top", gl = "./learning_generation/low",
           go = "./learning_generation/out";
    mkdir("./learning_model", 0777);
    mkdir("./learning_generation", 0777);
    // one layer: the top layer alone (d1, z1) under the output
    unique_ptr<PVRNNTopLayer> top(two ? new PVRNNTopLayer(N, T, d2, z2, w2, tau2, pt, gt, "learning")
                                      : new PVRNNTopLayer(N, T, d1, z1, w1, tau1, pt, gt, "learning"));
    unique_ptr<PVRNNLayer> low(two ? new PVRNNLayer(N, T, d1, d2, z1, w1, tau1, pl, gl, "learning")
                                   : nullptr);
    Output out(N, T, X, d1, po, go, "learning");
    vector<double> train_ms, er_ms;

    int epoch = 0;
    auto train_epoch = [&]() {
        top->set_eps();
        if (two)
            low->set_eps();
        for (int s = 0; s < N; ++s) {
            int len = length[s];
            for (int t = 0; t < len; ++t) {
                top->forward(t, s, epoch, "posterior");
                if (two) {
                    low->forward(top->d, t, s, epoch, "posterior");
                    out.forward(low->d, t, s);
                } else {
                    out.forward(top->d, t, s);
                }
            }
            for (int t = len - 1; t >= 0; --t) {
                if (two) {
                    out.backward(low->d, target, len, t, s);
                    low->backward(top->d, out.weight_ohd, out.grad_internal_state_output, out.tau,
                                  len, t, s);
                    top->backward(low->weight_dhd, low->grad_internal_state_d, low->tau, len, t, s);
                } else {
                    out.backward(top->d, target, len, t, s);
                    top->backward(out.weight_ohd, out.grad_internal_state_output, out.tau, len, t, s);
                }
            }
        }
        double loss = 0;
        for (int s = 0; s < N; ++s) {
            out.sum_gradient(s);
            if (two)
                low->sum_gradient(s);
            top->sum_gradient(s);
            for (int t = 0; t < length[s]; ++t) {
                for (int i = 0; i < X; ++i)
                    loss += out.prediction_error[s][t][i] / N;
                for (int i = 0; i < (two ? z1 : 0); ++i)
                    loss += low->wkld[s][t][i] / N;
                for (int i = 0; i < (two ? z2 : z1); ++i)
                    loss += top->wkld[s][t][i] / N;
            }
        }
        radam c(epoch);
        out.update_parameter_radam(0.001, ADAM1, ADAM2, c.rho, c.r, c.m1, c.l2, WEIGHT_DECAY);
        if (two)
            low->update_parameter_radam(0.001, ADAM1, ADAM2, c.rho, c.r, c.m1, c.l2, WEIGHT_DECAY);
        top->update_parameter_radam(0.001, ADAM1, ADAM2, c.rho, c.r, c.m1, c.l2, WEIGHT_DECAY);
        if (two)
            low->reset_gradient();
        top->reset_gradient();
        out.reset_gradient();
        ++epoch;
        return loss;
    };

    train_epoch(); // warm-up, as plugbench's side
    train_epoch();
    double sink = 0;
    for (int k = 0; k < reps; ++k) {
        double t0 = now();
        for (int e = 0; e < epochs; ++e)
            sink += train_epoch();
        train_ms.push_back(1e3 * (now() - t0) / epochs);
    }
    // the trained weights, read back by the error regression's classes
    top->save_parameter(epoch);
    if (two)
        low->save_parameter(epoch);
    out.save_parameter(epoch);
    char index[16];
    snprintf(index, sizeof index, "%07d", epoch);
    trained_model_index = index;

    vector<int> test_length(1, 0);
    vvvd test(1, vvd(T, vector<double>(X, 0)));
    set_target_data(test_length, test, "test_data");
    int L = test_length[0];
    for (int k = 0; k < reps; ++k) {
        unique_ptr<ER_PVRNNTopLayer> etop(two ? new ER_PVRNNTopLayer(1, L, d2, z2, w2, tau2, "top")
                                              : new ER_PVRNNTopLayer(1, L, d1, z1, w1, tau1, "top"));
        unique_ptr<ER_PVRNNLayer> elow(two ? new ER_PVRNNLayer(1, L, d1, d2, z1, w1, tau1, "low")
                                           : nullptr);
        ER_Output eout(1, L, X, d1, "out");
        int s = 0;
        double t0 = now();
        for (int ct = window - 1; ct < L; ++ct) {
            int initial = ct == window - 1;
            for (int it = 0; it < iterations; ++it) {
                for (int wt = ct - window + 1; wt <= ct; ++wt) {
                    int last = wt == ct;
                    etop->er_forward(wt, s, it, initial, last, "posterior");
                    if (two) {
                        elow->er_forward(etop->d, wt, s, it, initial, last, "posterior");
                        eout.er_forward(elow->d, wt, s);
                    } else {
                        eout.er_forward(etop->d, wt, s);
                    }
                }
                radam c(it);
                for (int wt = ct; wt >= ct - window + 1; --wt) {
                    int last = wt == ct;
                    eout.er_backward(test, wt, s);
                    if (two) {
                        elow->er_backward(eout.weight_ohd, eout.grad_internal_state_output, eout.tau,
                                          last, wt, s);
                        etop->er_backward(elow->weight_dhd, elow->grad_internal_state_d, elow->tau,
                                          last, wt, s);
                        elow->er_update_parameter_radam(wt, s, it, alpha, ADAM1, ADAM2, c.rho, c.r,
                                                        c.m1, c.l2);
                    } else {
                        etop->er_backward(eout.weight_ohd, eout.grad_internal_state_output,
                                          eout.tau, last, wt, s);
                    }
                    etop->er_update_parameter_radam(wt, s, it, alpha, ADAM1, ADAM2, c.rho, c.r,
                                                    c.m1, c.l2);
                }
            }
        }
        er_ms.push_back(1e3 * (now() - t0) / (L - window + 1));
    }
    for (int k = 0; k < reps; ++k)
        printf("cpp %d %.6f %.6f\n", k, train_ms[k], er_ms[k]);
    fprintf(stderr, "# cpp: final loss %g\n", sink);
    return 0;
}
